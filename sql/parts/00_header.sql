/*
 * webhook: verify, store and apply payment-provider webhooks.
 *
 * This install script is built by the Makefile from sql/parts/: the parts
 * in the order of their numbers, with the seeds of each scheme
 * (sql/parts/schemes/) after the parts numbered below 30.
 *
 * Every object carries the prefix webhook_ and lives in @extschema@.  The
 * extension's own code reaches its objects schema-qualified and pins
 * search_path on every function, so a caller's search_path changes
 * nothing.  Nothing here is granted to PUBLIC; the README gives the GRANTs.
 */
\echo Use "CREATE EXTENSION webhook" to load this file. \quit
