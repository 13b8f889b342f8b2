// QAPI schema module.
