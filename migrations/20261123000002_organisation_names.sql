-- Organisation names are unique regardless of case, so people can tell them apart.
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));
