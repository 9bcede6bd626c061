/**
 * The one text order caveat uses for anything a person reads (hostnames, subjects): fixed, not the
 * machine's or the database's locale, so SQLite, PostgreSQL and the CLI list things the same way,
 * and hostnames sort as people expect (PC-2 before PC-10, case aside).
 */
export const collate = new Intl.Collator("en", { numeric: true }).compare;
