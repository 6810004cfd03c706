SET LOCAL lock_timeout = '5s';

DROP FUNCTION players_rated_above(double precision);
