"""Erasure: a customer deleted in the shop leaves no personal data in the warehouse.

However the shop deleted them (the back office, the Webservice, the psgdpr module), the latest
raw version of the customer is either a tombstone (the sweep found them gone) or says
``deleted=1`` (a soft delete). Every stored version of such a customer, and of each address
whose ``id_customer`` is theirs, has its personal fields blanked in place and is marked
``_phc_erased_at``; ids, dates, amounts and countries stay. Staging re-reads those rows (their
``load_xid`` moves) and the marts follow at their next build.

``payload_hash`` is kept: it stays the hash of what the shop sent, so reading the same record
again (a backfill, the nightly re-read) is recognised as a version already held and does not
bring the personal data back. A version the shop sends later is a new row, erased by the next
pass, which runs after every sync of customers, addresses, orders and payments. Payments name
no customer: the card fields a payment module may fill are blanked on the payments of the erased
customer's orders, found by order reference.

Each erased customer gets one row in ``staging.erasure_log`` (shop, id, when, why, rows per
table); it holds no personal data. A pass reads and writes one shop's rows (the installation:
ids are unique within a shop only), so customer 7 of one shop never erases customer 7 of another.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import orjson
import psycopg

from phc_analytics.shops_file import DEFAULT_SHOP

# Field -> the value it gets. Text fields are emptied, as PrestaShop stores an absent value;
# the birthday gets PrestaShop's zero date.
CUSTOMER_PERSONAL_FIELDS = {
    "firstname": "",
    "lastname": "",
    "email": "",
    "birthday": "0000-00-00",
    "note": "",
    "company": "",
    "siret": "",
    "ape": "",
    "website": "",
    "ip_registration_newsletter": "",
    "passwd": "",
    "secure_key": "",
    "reset_password_token": "",
}
ADDRESS_PERSONAL_FIELDS = {
    "alias": "",
    "firstname": "",
    "lastname": "",
    "company": "",
    "vat_number": "",
    "address1": "",
    "address2": "",
    "other": "",
    "phone": "",
    "phone_mobile": "",
    "dni": "",
}
# A payment names no customer, only the order's reference; a card module may have filled these.
PAYMENT_PERSONAL_FIELDS = {"card_holder": "", "card_number": "", "card_expiration": ""}
ERASED_MARK = "_phc_erased_at"


@dataclass
class ErasureStats:
    customers: int = 0
    customer_versions: int = 0
    address_versions: int = 0
    payment_versions: int = 0
    erased_ids: list[int] = field(default_factory=list)

    def as_metadata(self) -> dict:
        return {
            "erased_customers": self.customers,
            "erased_customer_versions": self.customer_versions,
            "erased_address_versions": self.address_versions,
            "erased_payment_versions": self.payment_versions,
        }


def blanked(payload: dict, personal: dict[str, str], erased_at: str) -> dict:
    """``payload`` with its personal fields blanked (only those it has) and the erasure mark.
    The pure form of what the SQL below does, for tests and for reading the rules."""
    out = {k: personal.get(k, v) for k, v in payload.items()}
    out[ERASED_MARK] = erased_at
    return out


# The customers to erase: those whose latest version is a tombstone or a soft delete. Both sets
# are read from partial indexes, so the cost follows the number of deleted customers.
_TO_ERASE = """
CREATE TEMP TABLE erase_customers ON COMMIT DROP AS
SELECT id, CASE WHEN removed_at IS NOT NULL THEN 'removed from the shop'
                ELSE 'soft-deleted in the shop' END AS reason
FROM (
    SELECT DISTINCT ON (v.id) v.id, v.removed_at, v.payload ->> 'deleted' AS deleted
    FROM raw.customers AS v
    WHERE v.shop = %(shop)s
      AND v.id IN (SELECT id FROM raw.customers WHERE removed_at IS NOT NULL AND shop = %(shop)s
                   UNION
                   SELECT id FROM raw.customers WHERE (payload ->> 'deleted') = '1'
                                                  AND shop = %(shop)s)
    ORDER BY v.id, v.cursor_value DESC NULLS LAST, v.first_seen_at DESC, v.load_xid DESC
) AS latest
WHERE removed_at IS NOT NULL OR deleted = '1'
"""

_SCRUB = """
WITH scrubbed AS (
    UPDATE {table} AS r
       SET payload = r.payload
                     || coalesce((SELECT jsonb_object_agg(f.key, f.value)
                                  FROM jsonb_each(%(blank)s::jsonb) AS f
                                  WHERE r.payload ? f.key), '{{}}'::jsonb)
                     || jsonb_build_object(%(mark)s, %(at)s::text),
           load_xid = pg_current_xact_id()::text::bigint
     WHERE r.shop = %(shop)s AND {match} AND NOT r.payload ? %(mark)s
    RETURNING {customer} AS customer_id
)
SELECT customer_id, count(*) FROM scrubbed GROUP BY customer_id
"""


def erase_deleted_customers(
    conn: psycopg.Connection, run_id: str | None = None, shop: str = DEFAULT_SHOP
) -> ErasureStats:
    """Blank the personal data of every customer deleted in the shop ``shop``, in every raw
    version of them and of their addresses, in one transaction; log each customer erased this
    time."""
    stats = ErasureStats()
    with conn.transaction():
        # One erasure of a shop at a time: raw_customers and raw_addresses may both run it.
        lock = zlib.crc32(f"phc_analytics.erasure.{shop}".encode())
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        erased_at = conn.execute(
            "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
        ).fetchone()[0]
        conn.execute(_TO_ERASE, {"shop": shop})
        per_table: dict[int, dict[str, int]] = {}
        for table, blank, match, customer in (
            (
                "raw.customers",
                CUSTOMER_PERSONAL_FIELDS,
                "r.id IN (SELECT id FROM erase_customers)",
                "r.id",
            ),
            (
                "raw.addresses",
                ADDRESS_PERSONAL_FIELDS,
                "(r.payload ->> 'id_customer') IN (SELECT id::text FROM erase_customers)",
                "(r.payload ->> 'id_customer')::bigint",
            ),
            (
                "raw.order_payments",
                PAYMENT_PERSONAL_FIELDS,
                # Only payments whose module filled a card field: the rest hold nothing to erase.
                "(r.payload ->> 'order_reference') IN (SELECT o.payload ->> 'reference'"
                " FROM raw.orders AS o WHERE o.shop = r.shop AND (o.payload ->> 'id_customer')"
                " IN (SELECT id::text FROM erase_customers))"
                " AND (coalesce(r.payload ->> 'card_holder', '') <> ''"
                " OR coalesce(r.payload ->> 'card_number', '') <> ''"
                " OR coalesce(r.payload ->> 'card_expiration', '') <> '')",
                "(SELECT (o.payload ->> 'id_customer')::bigint FROM raw.orders AS o"
                " WHERE o.shop = r.shop"
                " AND (o.payload ->> 'reference') = (r.payload ->> 'order_reference') LIMIT 1)",
            ),
        ):
            rows = conn.execute(
                _SCRUB.format(table=table, match=match, customer=customer),
                {
                    "blank": orjson.dumps(blank).decode(),
                    "mark": ERASED_MARK,
                    "at": erased_at,
                    "shop": shop,
                },
            ).fetchall()
            for customer_id, count in rows:
                per_table.setdefault(customer_id, {})[table] = count
        if per_table:
            reasons = dict(conn.execute("SELECT id, reason FROM erase_customers").fetchall())
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO staging.erasure_log (shop, customer_id, reason, tables, run_id)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    [
                        (
                            shop,
                            customer_id,
                            reasons.get(customer_id, "address of a deleted customer"),
                            orjson.dumps(tables).decode(),
                            run_id,
                        )
                        for customer_id, tables in sorted(per_table.items())
                    ],
                )
        stats.customers = len(per_table)
        stats.erased_ids = sorted(per_table)
        stats.customer_versions = sum(t.get("raw.customers", 0) for t in per_table.values())
        stats.address_versions = sum(t.get("raw.addresses", 0) for t in per_table.values())
        stats.payment_versions = sum(t.get("raw.order_payments", 0) for t in per_table.values())
    if per_table:
        # The old values are gone from the live rows; VACUUM takes the dead row versions that
        # still hold them out of the table files, and ANALYZE out of the planner's samples.
        autocommit = conn.autocommit
        conn.autocommit = True
        try:
            conn.execute("VACUUM (ANALYZE) raw.customers, raw.addresses, raw.order_payments")
        finally:
            conn.autocommit = autocommit
    return stats
