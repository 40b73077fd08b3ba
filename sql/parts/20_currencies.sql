--------------------------------------------------------------------------
-- Seeds: the currencies (ISO 4217 exponents).  The event actions, seeded
-- per scheme, follow from sql/parts/schemes/.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_currencies (code, exponent)
SELECT c, 2 FROM pg_catalog.unnest(ARRAY[
    'AED','AFN','ALL','AMD','ANG','AOA','ARS','AUD','AWG','AZN','BAM','BBD','BDT','BGN','BMD',
    'BND','BOB','BRL','BSD','BTN','BWP','BYN','BZD','CAD','CDF','CHF','CNY','COP','CRC','CUP',
    'CVE','CZK','DKK','DOP','DZD','EGP','ERN','ETB','EUR','FJD','FKP','GBP','GEL','GHS','GIP',
    'GMD','GTQ','GYD','HKD','HNL','HTG','HUF','IDR','ILS','INR','IRR','JMD','KES','KGS','KHR',
    'KPW','KYD','KZT','LAK','LBP','LKR','LRD','LSL','MAD','MDL','MGA','MKD','MMK','MNT','MOP',
    'MRU','MUR','MVR','MWK','MXN','MYR','MZN','NAD','NGN','NIO','NOK','NPR','NZD','PAB','PEN',
    'PGK','PHP','PKR','PLN','QAR','RON','RSD','RUB','SAR','SBD','SCR','SDG','SEK','SGD','SHP',
    'SLE','SOS','SRD','SSP','STN','SVC','SYP','SZL','THB','TJS','TMT','TOP','TRY','TTD','TWD',
    'TZS','UAH','USD','UYU','UZS','VES','WST','XCD','YER','ZAR','ZMW','ZWL']) AS c;
INSERT INTO @extschema@.webhook_currencies (code, exponent)
SELECT c, 0 FROM pg_catalog.unnest(ARRAY[
    'BIF','CLP','DJF','GNF','ISK','JPY','KMF','KRW','PYG','RWF','UGX','UYI','VND','VUV',
    'XAF','XOF','XPF']) AS c;
INSERT INTO @extschema@.webhook_currencies (code, exponent)
SELECT c, 3 FROM pg_catalog.unnest(ARRAY['BHD','IQD','JOD','KWD','LYD','OMR','TND']) AS c;
INSERT INTO @extschema@.webhook_currencies (code, exponent) VALUES ('CLF', 4), ('UYW', 4);
