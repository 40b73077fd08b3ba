-- webhook 0.1.0 -> 0.2.0.  ALTER EXTENSION webhook UPDATE runs this on a
-- database that has 0.1.0; afterwards its objects equal a fresh 0.2.0
-- install's (test/upgrade/ proves it).  Every schema change of 0.2.0 is
-- written here as well as in the install script, in the same order.
\echo Use "ALTER EXTENSION webhook UPDATE" to load this file. \quit
