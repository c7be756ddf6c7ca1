"""Pure rule functions: no database, no Qt, no wall clock. Inputs in, decisions out."""
