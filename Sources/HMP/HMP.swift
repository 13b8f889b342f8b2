// Module HMP.
