"""The name of the environment variable that carries the database key.

Kept apart from hvdesk.keystore (which loads platformdirs, hashlib and the keyring glue) so that a
message naming the variable, and `hvdesk --help`, cost nothing to import.
"""

ENV_KEY = "HVDESK_DB_KEY"
