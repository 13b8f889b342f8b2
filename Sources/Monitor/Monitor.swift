// Module Monitor.
