// Module Migration.
