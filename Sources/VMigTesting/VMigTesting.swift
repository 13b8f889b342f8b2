// Module VMigTesting.
