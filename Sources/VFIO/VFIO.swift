// Module VFIO.
