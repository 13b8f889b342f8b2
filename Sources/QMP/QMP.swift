// Module QMP.
