"""COPY helpers, and taking a table's secondary indexes and constraints off during a bulk load."""
import json


def copy_rows(cur, table: str, columns: list, rows) -> int:
    """Stream `rows` (tuples in `columns` order) into `table` with COPY; returns the count."""
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def next_id(cur, table: str) -> int:
    cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cur.fetchone()[0]


def as_json(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def reset_sequences(cur, tables) -> None:
    """Identity columns continue after the COPYed ids."""
    cur.execute("SELECT table_name FROM information_schema.columns WHERE column_name = 'id' AND table_name = ANY(%s)",
                [list(tables)])
    for (table,) in cur.fetchall():
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")


def detach(cur, tables) -> list:
    """Drop the secondary indexes, unique and foreign-key constraints of `tables`; return the DDL to restore.

    Loading into bare heaps and building the indexes once afterwards is what keeps the full
    scale inside its time budget.
    """
    restore = []
    cur.execute("""
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c
        WHERE (c.conrelid::regclass::text = ANY(%s) OR c.confrelid::regclass::text = ANY(%s))
          AND c.contype IN ('f', 'u')
        ORDER BY c.contype DESC""", [list(tables), list(tables)])
    constraints = cur.fetchall()
    for table, name, definition, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cur.execute("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')""", [list(tables)])
    for name, definition in cur.fetchall():
        cur.execute(f'DROP INDEX "{name}"')
        restore.append(definition)
    # unique constraints first (foreign keys may need them), then foreign keys
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, kind in constraints if kind == "u"]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, kind in constraints if kind == "f"]
    return restore
