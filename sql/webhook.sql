\echo Use "CREATE EXTENSION webhook" to load this file. \quit
