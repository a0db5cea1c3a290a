-- 0006-datasets.sql: stored datasets that scenarios draw rows from (SPEC
-- section 14). content is the dataset as CSV (RFC 4180, CRLF), whatever it
-- was uploaded as; columns a JSON array of the column names.

CREATE TABLE datasets (
	name		TEXT PRIMARY KEY,
	columns		TEXT NOT NULL,
	rows		INTEGER NOT NULL,
	bytes		INTEGER NOT NULL,		-- of content
	created_at	TEXT NOT NULL,
	content		TEXT NOT NULL
);
