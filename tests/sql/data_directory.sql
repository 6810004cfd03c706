-- Where the server keeps its data (to restart it with pg_ctl).
SHOW data_directory;
