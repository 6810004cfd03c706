-- The count a rank is built from, for one rating. $1: the rating.
SELECT players_rated_above($1::double precision);
