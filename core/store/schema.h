/* The migrations that build berth.db, oldest first, NULL-terminated. */
#ifndef BERTH_SCHEMA_H
#define BERTH_SCHEMA_H
extern const char *const STORE_MIGRATIONS[];
#endif
