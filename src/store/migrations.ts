/**
 * Versioned schema migrations for both stores. Each migration is applied once, inside one transaction with
 * its `schema_migrations` row, when a store opens; re-opening an up-to-date database changes nothing.
 * Two processes opening at once serialize on a lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped
 * advisory lock per schema), and the second finds the work done.
 *
 * Never edit a migration that has shipped: add the next version. Version 2 turns dedup claims into leases
 * (state, holder, takeovers); version 3 adds payout items (issue 5), ledger minor units, and makes the ledger
 * append-only; version 4 adds the delivery log (issue 6); version 5 the click cookies of GA4, Snapchat and Reddit; version 6 named leases; version 8 lets
 * personal data in the append-only tables be redacted (and expired delivery lines deleted), and nothing else; version 10
 * adds the durable outbox (issue 16).
 *
 * Column conventions: times are TEXT holding `toISOString()` values in SQLite (they sort as text) and
 * TIMESTAMPTZ in PostgreSQL; money is TEXT in SQLite (never a NUMERIC-affinity column, which would turn "0.1"
 * into a float) and NUMERIC in PostgreSQL; JSON is TEXT in SQLite and `json` in PostgreSQL (kept as written).
 */

import type { DatabaseSync } from 'node:sqlite';
import { ledgerMinorUnits } from './common';

/**
 * The redaction markers version 8's triggers accept, written out here (not imported) so the shipped migration never
 * changes; src/store/privacy.ts writes the same values (REDACTED_JSON, REDACTED_TEXT).
 */
const REDACTED_JSON_SQL = '{"redacted":true}';
const REDACTED_TEXT_SQL = '[redacted]';

export interface Migration {
	version: number;
	name: string;
	sqlite: string[];
	/** Statements for PostgreSQL; `s` is the quoted schema followed by a dot, e.g. `"postback".`. */
	postgres: (s: string) => string[];
	/** Work SQL alone cannot do (values computed in JS), run after the statements, in the same transaction. */
	sqliteData?: (db: DatabaseSync) => void;
	postgresData?: (client: MigrationClient, s: string) => Promise<void>;
}

const DELIVERY_OUTCOMES_SQL = `'sent', 'failed', 'retry_later', 'duplicate', 'skipped'`;
const PAYOUT_STATES_SQL = `'reserved', 'submitted', 'paid', 'failed', 'unclaimed', 'returned', 'unknown'`;
/** Written out here (not imported) so the shipped migration never changes. */
const OUTBOX_STATES_SQL = `'pending', 'sent', 'failed', 'gave_up'`;

/** Statements making a SQLite table append-only: updates and deletes abort. */
function sqliteAppendOnly(table: string): string[] {
	return [
		`CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
		`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
	];
}

/** Statements making a PostgreSQL table append-only, through the function `append_only()` that version 3 creates. */
function postgresAppendOnly(s: string, table: string): string[] {
	return [
		`CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${s}${table} FOR EACH ROW EXECUTE FUNCTION ${s}append_only()`,
		`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${s}${table} FOR EACH STATEMENT EXECUTE FUNCTION ${s}append_only()`,
	];
}

/** Lines written before version 3, with their amounts, for the minor-units backfill. */
function minorUnitsOf(rows: Array<Record<string, unknown>>): Array<{ id: string; minor: bigint }> {
	const computed: Array<{ id: string; minor: bigint }> = [];
	for (const row of rows) {
		const minor = ledgerMinorUnits(String(row.amount), String(row.currency));
		if (minor !== null) computed.push({ id: String(row.id), minor });
	}
	return computed;
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: 'clicks, claims, conversions with status history, ledger, coupons, customers',
		sqlite: [
			`CREATE TABLE clicks (
				click_id TEXT PRIMARY KEY,
				visitor_id TEXT,
				clicked_at TEXT NOT NULL,
				network TEXT,
				offer_id TEXT,
				offer_url TEXT,
				affiliate_id TEXT,
				fbclid TEXT, fbc TEXT, fbp TEXT,
				gclid TEXT, gbraid TEXT, wbraid TEXT,
				ttclid TEXT, ttp TEXT,
				sccid TEXT, epik TEXT, rdt_cid TEXT, msclkid TEXT,
				utm TEXT,
				ip TEXT,
				user_agent TEXT,
				referrer TEXT,
				landing_url TEXT
			)`,
			`CREATE INDEX clicks_visitor_time ON clicks (visitor_id, clicked_at)`,
			`CREATE INDEX clicks_ip_ua_time ON clicks (ip, user_agent, clicked_at)`,
			`CREATE TABLE conversion_claims (
				network TEXT NOT NULL,
				transaction_id TEXT NOT NULL,
				event_name TEXT NOT NULL,
				claimed_at TEXT NOT NULL,
				PRIMARY KEY (network, transaction_id, event_name)
			)`,
			`CREATE TABLE click_sequences (
				click_id TEXT PRIMARY KEY,
				n INTEGER NOT NULL
			)`,
			`CREATE TABLE conversions (
				id TEXT PRIMARY KEY,
				network TEXT NOT NULL,
				transaction_id TEXT,
				event_name TEXT NOT NULL,
				click_id TEXT,
				affiliate_id TEXT,
				status TEXT NOT NULL,
				amount TEXT,
				commission TEXT,
				currency TEXT NOT NULL,
				occurred_at TEXT NOT NULL,
				recorded_at TEXT NOT NULL,
				attribution TEXT,
				payload TEXT NOT NULL
			)`,
			`CREATE INDEX conversions_transaction ON conversions (network, transaction_id, occurred_at)`,
			`CREATE TABLE conversion_status_history (
				seq INTEGER PRIMARY KEY AUTOINCREMENT,
				conversion_id TEXT NOT NULL REFERENCES conversions (id),
				status TEXT NOT NULL,
				at TEXT NOT NULL,
				detail TEXT
			)`,
			`CREATE INDEX conversion_status_history_conversion ON conversion_status_history (conversion_id, seq)`,
			`CREATE TRIGGER conversion_status_history_no_update BEFORE UPDATE ON conversion_status_history
				BEGIN SELECT RAISE(ABORT, 'conversion_status_history is append-only'); END`,
			`CREATE TRIGGER conversion_status_history_no_delete BEFORE DELETE ON conversion_status_history
				BEGIN SELECT RAISE(ABORT, 'conversion_status_history is append-only'); END`,
			`CREATE TABLE ledger (
				id TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				kind TEXT NOT NULL,
				amount TEXT NOT NULL,
				currency TEXT NOT NULL,
				status TEXT NOT NULL,
				conversion_id TEXT,
				network TEXT,
				transaction_id TEXT,
				occurred_at TEXT NOT NULL,
				recorded_at TEXT NOT NULL,
				payout_id TEXT,
				note TEXT
			)`,
			`CREATE INDEX ledger_affiliate_currency ON ledger (affiliate_id, currency, occurred_at)`,
			`CREATE INDEX ledger_payout ON ledger (payout_id)`,
			`CREATE TABLE coupons (
				code TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				updated_at TEXT NOT NULL
			)`,
			`CREATE TABLE customers (
				customer_key TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				click_id TEXT,
				linked_at TEXT NOT NULL
			)`,
		],
		postgres: (s) => [
			`CREATE TABLE ${s}clicks (
				click_id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				visitor_id TEXT,
				clicked_at TIMESTAMPTZ NOT NULL,
				network TEXT,
				offer_id TEXT,
				offer_url TEXT,
				affiliate_id TEXT,
				fbclid TEXT, fbc TEXT, fbp TEXT,
				gclid TEXT, gbraid TEXT, wbraid TEXT,
				ttclid TEXT, ttp TEXT,
				sccid TEXT, epik TEXT, rdt_cid TEXT, msclkid TEXT,
				utm JSON,
				ip TEXT,
				user_agent TEXT,
				referrer TEXT,
				landing_url TEXT
			)`,
			// Visitor cookies and user agents come from the request: index their hashes, so a very long value
			// cannot exceed a B-tree entry's size limit and make recording the click fail.
			`CREATE INDEX clicks_visitor_time ON ${s}clicks (md5(visitor_id), clicked_at)`,
			`CREATE INDEX clicks_ip_ua_time ON ${s}clicks (ip, md5(user_agent), clicked_at)`,
			`CREATE TABLE ${s}conversion_claims (
				network TEXT NOT NULL,
				transaction_id TEXT NOT NULL,
				event_name TEXT NOT NULL,
				claimed_at TIMESTAMPTZ NOT NULL,
				PRIMARY KEY (network, transaction_id, event_name)
			)`,
			`CREATE TABLE ${s}click_sequences (
				click_id TEXT PRIMARY KEY,
				n BIGINT NOT NULL
			)`,
			`CREATE TABLE ${s}conversions (
				id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				network TEXT NOT NULL,
				transaction_id TEXT,
				event_name TEXT NOT NULL,
				click_id TEXT,
				affiliate_id TEXT,
				status TEXT NOT NULL,
				amount NUMERIC,
				commission NUMERIC,
				currency TEXT NOT NULL,
				occurred_at TIMESTAMPTZ NOT NULL,
				recorded_at TIMESTAMPTZ NOT NULL,
				attribution TEXT,
				payload JSON NOT NULL
			)`,
			`CREATE INDEX conversions_transaction ON ${s}conversions (network, transaction_id, occurred_at)`,
			`CREATE TABLE ${s}conversion_status_history (
				seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				conversion_id TEXT NOT NULL REFERENCES ${s}conversions (id),
				status TEXT NOT NULL,
				at TIMESTAMPTZ NOT NULL,
				detail JSON
			)`,
			`CREATE INDEX conversion_status_history_conversion ON ${s}conversion_status_history (conversion_id, seq)`,
			`CREATE FUNCTION ${s}conversion_status_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'conversion_status_history is append-only'; END $$`,
			`CREATE TRIGGER conversion_status_history_no_change BEFORE UPDATE OR DELETE ON ${s}conversion_status_history
				FOR EACH ROW EXECUTE FUNCTION ${s}conversion_status_history_append_only()`,
			`CREATE TRIGGER conversion_status_history_no_truncate BEFORE TRUNCATE ON ${s}conversion_status_history
				FOR EACH STATEMENT EXECUTE FUNCTION ${s}conversion_status_history_append_only()`,
			`CREATE TABLE ${s}ledger (
				id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				affiliate_id TEXT NOT NULL,
				kind TEXT NOT NULL,
				amount NUMERIC NOT NULL,
				currency TEXT NOT NULL,
				status TEXT NOT NULL,
				conversion_id TEXT,
				network TEXT,
				transaction_id TEXT,
				occurred_at TIMESTAMPTZ NOT NULL,
				recorded_at TIMESTAMPTZ NOT NULL,
				payout_id TEXT,
				note TEXT
			)`,
			`CREATE INDEX ledger_affiliate_currency ON ${s}ledger (affiliate_id, currency, occurred_at)`,
			`CREATE INDEX ledger_payout ON ${s}ledger (payout_id)`,
			`CREATE TABLE ${s}coupons (
				code TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				updated_at TIMESTAMPTZ NOT NULL
			)`,
			`CREATE TABLE ${s}customers (
				customer_key TEXT PRIMARY KEY,
				affiliate_id TEXT NOT NULL,
				click_id TEXT,
				linked_at TIMESTAMPTZ NOT NULL
			)`,
		],
	},
	{
		version: 2,
		// A claim taken by a process that died before saving its conversion must not make every retry a
		// duplicate: claims become leases. Rows already there were claimed and saved by the code before this
		// version, so they are done; the default stays 'done', so a claim written by an older version of the
		// package (which never completes claims) keeps meaning what it meant then.
		name: 'leased dedup claims: state (pending, done, released), holder token, takeover count',
		sqlite: [
			`ALTER TABLE conversion_claims ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done', 'released'))`,
			`ALTER TABLE conversion_claims ADD COLUMN holder TEXT`,
			`ALTER TABLE conversion_claims ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0`,
		],
		postgres: (s) => [
			`ALTER TABLE ${s}conversion_claims
				ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done', 'released')),
				ADD COLUMN holder TEXT,
				ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0`,
		],
	},
	{
		version: 3,
		// Paying affiliates from the ledger, never twice. A payout item covers ledger lines; while it is live it
		// holds each of them through payout_allocations, whose primary key on the line id is what makes two
		// reservations of one line impossible, in any number of processes. Releasing an item deletes its holds
		// (its lines become open); what it was reserved for stays in payout_item_entries, and every state it
		// went through in payout_item_history, both append-only. Ledger lines are never updated: after the
		// backfill of amount_minor, the ledger becomes append-only too (settlement is derived by a join).
		name: 'payout items with held ledger lines and state history; ledger amounts in minor units; append-only ledger',
		sqlite: [
			`ALTER TABLE ledger ADD COLUMN amount_minor INTEGER`,
			`CREATE TABLE payout_items (
				id TEXT PRIMARY KEY,
				batch_id TEXT NOT NULL,
				provider TEXT NOT NULL,
				period TEXT NOT NULL,
				affiliate_id TEXT NOT NULL,
				currency TEXT NOT NULL,
				amount TEXT NOT NULL,
				receiver TEXT NOT NULL,
				state TEXT NOT NULL CHECK (state IN (${PAYOUT_STATES_SQL})),
				provider_batch_id TEXT,
				provider_item_id TEXT,
				error TEXT,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL
			)`,
			`CREATE INDEX payout_items_batch ON payout_items (batch_id)`,
			`CREATE INDEX payout_items_affiliate_period ON payout_items (affiliate_id, period)`,
			`CREATE TABLE payout_item_entries (
				item_id TEXT NOT NULL REFERENCES payout_items (id),
				entry_id TEXT NOT NULL REFERENCES ledger (id),
				PRIMARY KEY (item_id, entry_id)
			)`,
			`CREATE INDEX payout_item_entries_entry ON payout_item_entries (entry_id)`,
			...sqliteAppendOnly('payout_item_entries'),
			`CREATE TABLE payout_allocations (
				entry_id TEXT PRIMARY KEY REFERENCES ledger (id),
				item_id TEXT NOT NULL REFERENCES payout_items (id)
			)`,
			`CREATE INDEX payout_allocations_item ON payout_allocations (item_id)`,
			`CREATE TABLE payout_item_history (
				seq INTEGER PRIMARY KEY AUTOINCREMENT,
				item_id TEXT NOT NULL REFERENCES payout_items (id),
				state TEXT NOT NULL CHECK (state IN (${PAYOUT_STATES_SQL})),
				at TEXT NOT NULL,
				note TEXT,
				error TEXT
			)`,
			`CREATE INDEX payout_item_history_item ON payout_item_history (item_id, seq)`,
			...sqliteAppendOnly('payout_item_history'),
		],
		sqliteData: (db) => {
			const update = db.prepare('UPDATE ledger SET amount_minor = ? WHERE id = ?');
			for (const { id, minor } of minorUnitsOf(db.prepare('SELECT id, amount, currency FROM ledger').all() as Array<Record<string, unknown>>)) {
				update.run(minor, id);
			}
			for (const statement of sqliteAppendOnly('ledger')) db.exec(statement);
		},
		postgres: (s) => [
			`ALTER TABLE ${s}ledger ADD COLUMN amount_minor BIGINT`,
			`CREATE FUNCTION ${s}append_only() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`,
			`CREATE TABLE ${s}payout_items (
				id TEXT PRIMARY KEY,
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				batch_id TEXT NOT NULL,
				provider TEXT NOT NULL,
				period TEXT NOT NULL,
				affiliate_id TEXT NOT NULL,
				currency TEXT NOT NULL,
				amount NUMERIC NOT NULL,
				receiver TEXT NOT NULL,
				state TEXT NOT NULL CHECK (state IN (${PAYOUT_STATES_SQL})),
				provider_batch_id TEXT,
				provider_item_id TEXT,
				error TEXT,
				created_at TIMESTAMPTZ NOT NULL,
				updated_at TIMESTAMPTZ NOT NULL
			)`,
			`CREATE INDEX payout_items_batch ON ${s}payout_items (batch_id)`,
			`CREATE INDEX payout_items_affiliate_period ON ${s}payout_items (affiliate_id, period)`,
			`CREATE TABLE ${s}payout_item_entries (
				item_id TEXT NOT NULL REFERENCES ${s}payout_items (id),
				entry_id TEXT NOT NULL REFERENCES ${s}ledger (id),
				PRIMARY KEY (item_id, entry_id)
			)`,
			`CREATE INDEX payout_item_entries_entry ON ${s}payout_item_entries (entry_id)`,
			...postgresAppendOnly(s, 'payout_item_entries'),
			`CREATE TABLE ${s}payout_allocations (
				entry_id TEXT PRIMARY KEY REFERENCES ${s}ledger (id),
				item_id TEXT NOT NULL REFERENCES ${s}payout_items (id)
			)`,
			`CREATE INDEX payout_allocations_item ON ${s}payout_allocations (item_id)`,
			`CREATE TABLE ${s}payout_item_history (
				seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				item_id TEXT NOT NULL REFERENCES ${s}payout_items (id),
				state TEXT NOT NULL CHECK (state IN (${PAYOUT_STATES_SQL})),
				at TIMESTAMPTZ NOT NULL,
				note TEXT,
				error TEXT
			)`,
			`CREATE INDEX payout_item_history_item ON ${s}payout_item_history (item_id, seq)`,
			...postgresAppendOnly(s, 'payout_item_history'),
		],
		postgresData: async (client, s) => {
			const { rows } = await client.query(`SELECT id, amount::text AS amount, currency FROM ${s}ledger`);
			const computed = minorUnitsOf(rows);
			// In slices, so a large ledger never becomes one huge statement.
			for (let start = 0; start < computed.length; start += 5000) {
				const slice = computed.slice(start, start + 5000);
				await client.query(
					`UPDATE ${s}ledger AS line SET amount_minor = backfill.minor
						FROM unnest($1::text[], $2::bigint[]) AS backfill (id, minor) WHERE line.id = backfill.id`,
					[slice.map((line) => line.id), slice.map((line) => line.minor.toString())],
				);
			}
			for (const statement of postgresAppendOnly(s, 'ledger')) await client.query(statement);
		},
	},
	{
		version: 4,
		// The conversion log (issue 6): what each destination was told about each conversion, one line per
		// attempt, never changed. No foreign key to conversions: a destination node may record a conversion
		// whose funnel keeps another store, and the log must never make a send fail. Listing the latest
		// conversions and a conversion's ledger lines get their indexes.
		name: "append-only delivery log; indexes for the latest conversions and a conversion's ledger lines",
		sqlite: [
			`CREATE TABLE deliveries (
				seq INTEGER PRIMARY KEY AUTOINCREMENT,
				conversion_id TEXT NOT NULL,
				destination TEXT NOT NULL,
				outcome TEXT NOT NULL CHECK (outcome IN (${DELIVERY_OUTCOMES_SQL})),
				event_id TEXT,
				code TEXT,
				reason TEXT,
				http_status INTEGER,
				at TEXT NOT NULL
			)`,
			`CREATE INDEX deliveries_conversion ON deliveries (conversion_id, seq)`,
			...sqliteAppendOnly('deliveries'),
			`CREATE INDEX conversions_recorded ON conversions (recorded_at)`,
			`CREATE INDEX ledger_conversion ON ledger (conversion_id)`,
		],
		postgres: (s) => [
			`CREATE TABLE ${s}deliveries (
				seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				conversion_id TEXT NOT NULL,
				destination TEXT NOT NULL,
				outcome TEXT NOT NULL CHECK (outcome IN (${DELIVERY_OUTCOMES_SQL})),
				event_id TEXT,
				code TEXT,
				reason TEXT,
				http_status INTEGER,
				at TIMESTAMPTZ NOT NULL
			)`,
			`CREATE INDEX deliveries_conversion ON ${s}deliveries (conversion_id, seq)`,
			...postgresAppendOnly(s, 'deliveries'),
			`CREATE INDEX conversions_recorded ON ${s}conversions (recorded_at, seq)`,
			`CREATE INDEX ledger_conversion ON ${s}ledger (conversion_id)`,
		],
	},
	{
		version: 5,
		// The platforms' first-party cookies a click can carry (issue 8): GA4's client id (`_ga`), Snapchat's
		// `_scid` and Reddit's `_rdt_uuid`, each forwarded as-is to its own platform.
		name: 'click cookies for GA4, Snapchat and Reddit',
		sqlite: [`ALTER TABLE clicks ADD COLUMN ga_client_id TEXT`, `ALTER TABLE clicks ADD COLUMN sc_cookie1 TEXT`, `ALTER TABLE clicks ADD COLUMN rdt_uuid TEXT`],
		postgres: (s) => [
			`ALTER TABLE ${s}clicks ADD COLUMN ga_client_id TEXT`,
			`ALTER TABLE ${s}clicks ADD COLUMN sc_cookie1 TEXT`,
			`ALTER TABLE ${s}clicks ADD COLUMN rdt_uuid TEXT`,
		],
	},
	{
		version: 6,
		// One named lease primitive for exclusive work that is not a conversion's dedup claim: the payout run
		// lock (renewed while a run works, so a long run is never overtaken) and HMAC replay memory (expires
		// with the signature's validity, and is purged). Timed by the database's clock, like claims.
		name: 'named leases',
		sqlite: [
			`CREATE TABLE leases (
				namespace TEXT NOT NULL,
				lease_key TEXT NOT NULL,
				token TEXT NOT NULL,
				holder TEXT,
				acquired_at TEXT NOT NULL,
				expires_at TEXT NOT NULL,
				renewals INTEGER NOT NULL DEFAULT 0,
				takeovers INTEGER NOT NULL DEFAULT 0,
				PRIMARY KEY (namespace, lease_key)
			)`,
			`CREATE INDEX leases_expiry ON leases (expires_at)`,
		],
		postgres: (s) => [
			`CREATE TABLE ${s}leases (
				namespace TEXT NOT NULL,
				lease_key TEXT NOT NULL,
				token TEXT NOT NULL,
				holder TEXT,
				acquired_at TIMESTAMPTZ NOT NULL,
				expires_at TIMESTAMPTZ NOT NULL,
				renewals INTEGER NOT NULL DEFAULT 0,
				takeovers INTEGER NOT NULL DEFAULT 0,
				PRIMARY KEY (namespace, lease_key)
			)`,
			`CREATE INDEX leases_expiry ON ${s}leases (expires_at)`,
		],
	},
	{
		version: 8,
		// Personal data kept only as long as the operator says (issue 13). Two append-only tables hold personal
		// data: a status change's detail (the raw postback) and a delivery's reason (an error may quote a value).
		// Their triggers are replaced by ones that still refuse every change except exactly these:
		// - an UPDATE that sets only that column to the redaction marker, every other column unchanged (so an
		//   erasure can redact, and nothing can rewrite history);
		// - on deliveries, a DELETE of a line older than a retention window that the store opens inside its own
		//   transaction (a retention_windows row inserted and deleted again before COMMIT, so no other
		//   connection ever sees it open). Deleting the history's lines stays refused: statuses are money history.
		// The ledger and the payout tables hold no personal data of the converting person and stay as they were.
		// conversions.privacy says what a payload has lost already ('raw' or 'personal'), so retention skips it.
		name: 'redaction of append-only personal data; retention windows; conversions.privacy',
		sqlite: [
			`ALTER TABLE conversions ADD COLUMN privacy TEXT CHECK (privacy IN ('raw', 'personal'))`,
			`CREATE TABLE retention_windows (kind TEXT PRIMARY KEY, cutoff TEXT NOT NULL)`,
			`DROP TRIGGER conversion_status_history_no_update`,
			`CREATE TRIGGER conversion_status_history_redact_only BEFORE UPDATE ON conversion_status_history
				WHEN NOT (NEW.seq IS OLD.seq AND NEW.conversion_id IS OLD.conversion_id AND NEW.status IS OLD.status AND NEW.at IS OLD.at
					AND NEW.detail IS '${REDACTED_JSON_SQL}')
				BEGIN SELECT RAISE(ABORT, 'conversion_status_history is append-only: only its detail can be redacted'); END`,
			`DROP TRIGGER deliveries_no_update`,
			`DROP TRIGGER deliveries_no_delete`,
			`CREATE TRIGGER deliveries_redact_only BEFORE UPDATE ON deliveries
				WHEN NOT (NEW.seq IS OLD.seq AND NEW.conversion_id IS OLD.conversion_id AND NEW.destination IS OLD.destination
					AND NEW.outcome IS OLD.outcome AND NEW.event_id IS OLD.event_id AND NEW.code IS OLD.code AND NEW.http_status IS OLD.http_status
					AND NEW.at IS OLD.at AND NEW.reason IS '${REDACTED_TEXT_SQL}')
				BEGIN SELECT RAISE(ABORT, 'deliveries is append-only: only its reason can be redacted'); END`,
			`CREATE TRIGGER deliveries_delete_expired_only BEFORE DELETE ON deliveries
				WHEN NOT EXISTS (SELECT 1 FROM retention_windows WHERE kind = 'deliveries' AND OLD.at < cutoff)
				BEGIN SELECT RAISE(ABORT, 'deliveries is append-only: only lines past their retention can be deleted'); END`,
			`CREATE INDEX clicks_time ON clicks (clicked_at)`,
			`CREATE INDEX deliveries_time ON deliveries (at)`,
			`CREATE INDEX conversion_status_history_time ON conversion_status_history (at)`,
			`CREATE INDEX customers_linked ON customers (linked_at)`,
		],
		postgres: (s) => [
			`ALTER TABLE ${s}conversions ADD COLUMN privacy TEXT CHECK (privacy IN ('raw', 'personal'))`,
			`CREATE TABLE ${s}retention_windows (kind TEXT PRIMARY KEY, cutoff TIMESTAMPTZ NOT NULL)`,
			`CREATE FUNCTION ${s}conversion_status_history_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF TG_OP = 'UPDATE' AND NEW.seq = OLD.seq AND NEW.conversion_id = OLD.conversion_id AND NEW.status = OLD.status
						AND NEW.at = OLD.at AND NEW.detail::text = '${REDACTED_JSON_SQL}' THEN
						RETURN NEW;
					END IF;
					RAISE EXCEPTION 'conversion_status_history is append-only: only its detail can be redacted';
				END $$`,
			`DROP TRIGGER conversion_status_history_no_change ON ${s}conversion_status_history`,
			`CREATE TRIGGER conversion_status_history_redact_only BEFORE UPDATE OR DELETE ON ${s}conversion_status_history
				FOR EACH ROW EXECUTE FUNCTION ${s}conversion_status_history_redact_only()`,
			`CREATE FUNCTION ${s}deliveries_redact_or_expire() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF TG_OP = 'UPDATE' AND NEW.seq = OLD.seq AND NEW.conversion_id = OLD.conversion_id AND NEW.destination = OLD.destination
						AND NEW.outcome = OLD.outcome AND NEW.event_id IS NOT DISTINCT FROM OLD.event_id AND NEW.code IS NOT DISTINCT FROM OLD.code
						AND NEW.http_status IS NOT DISTINCT FROM OLD.http_status AND NEW.at = OLD.at AND NEW.reason = '${REDACTED_TEXT_SQL}' THEN
						RETURN NEW;
					END IF;
					IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM ${s}retention_windows w WHERE w.kind = 'deliveries' AND OLD.at < w.cutoff) THEN
						RETURN OLD;
					END IF;
					RAISE EXCEPTION 'deliveries is append-only: only its reason can be redacted, and only lines past their retention deleted';
				END $$`,
			`DROP TRIGGER deliveries_no_change ON ${s}deliveries`,
			`CREATE TRIGGER deliveries_redact_or_expire BEFORE UPDATE OR DELETE ON ${s}deliveries FOR EACH ROW EXECUTE FUNCTION ${s}deliveries_redact_or_expire()`,
			`CREATE INDEX clicks_time ON ${s}clicks (clicked_at)`,
			`CREATE INDEX deliveries_time ON ${s}deliveries (at)`,
			`CREATE INDEX conversion_status_history_time ON ${s}conversion_status_history (at)`,
			`CREATE INDEX customers_linked ON ${s}customers (linked_at)`,
		],
	},
	{
		version: 9,
		// Click fields of platforms added from now on (a platform definition's clickFields, issue 15) go into one
		// JSON object instead of a column each, so a new platform needs no migration. The fields that had
		// columns keep them: saved clicks stay where they are.
		name: 'click fields without a column of their own',
		sqlite: [`ALTER TABLE clicks ADD COLUMN click_ids TEXT`],
		postgres: (s) => [`ALTER TABLE ${s}clicks ADD COLUMN click_ids JSON`],
	},
	{
		version: 10,
		// The durable outbox (issue 16): one entry per conversion and destination, written before the first send,
		// so a crash, a throttled platform or Google's six-hour rule loses nothing. The item (the funnel item, with
		// unhashed customer data) is kept only while the entry is pending; the CHECK makes a settled entry hold
		// neither an item nor a lease. A redelivery run claims due entries with a lease (token and expiry), so
		// runs in several processes never send one entry at once, and a crashed run's entries fall due again.
		name: 'durable outbox',
		sqlite: [
			`CREATE TABLE outbox (
				conversion_id TEXT NOT NULL,
				destination TEXT NOT NULL,
				state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN (${OUTBOX_STATES_SQL})),
				attempts INTEGER NOT NULL DEFAULT 0,
				due_at TEXT NOT NULL,
				created_at TEXT NOT NULL,
				updated_at TEXT NOT NULL,
				last_code TEXT,
				last_reason TEXT,
				item TEXT,
				lease_token TEXT,
				lease_expires_at TEXT,
				PRIMARY KEY (conversion_id, destination),
				CHECK ((state = 'pending') = (item IS NOT NULL)),
				CHECK (state = 'pending' OR (lease_token IS NULL AND lease_expires_at IS NULL))
			)`,
			`CREATE INDEX outbox_due ON outbox (state, due_at)`,
			`CREATE INDEX outbox_updated ON outbox (updated_at)`,
			`CREATE INDEX outbox_created ON outbox (created_at)`,
		],
		postgres: (s) => [
			`CREATE TABLE ${s}outbox (
				seq BIGINT GENERATED ALWAYS AS IDENTITY,
				conversion_id TEXT NOT NULL,
				destination TEXT NOT NULL,
				state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN (${OUTBOX_STATES_SQL})),
				attempts INTEGER NOT NULL DEFAULT 0,
				due_at TIMESTAMPTZ NOT NULL,
				created_at TIMESTAMPTZ NOT NULL,
				updated_at TIMESTAMPTZ NOT NULL,
				last_code TEXT,
				last_reason TEXT,
				item JSON,
				lease_token TEXT,
				lease_expires_at TIMESTAMPTZ,
				PRIMARY KEY (conversion_id, destination),
				CHECK ((state = 'pending') = (item IS NOT NULL)),
				CHECK (state = 'pending' OR (lease_token IS NULL AND lease_expires_at IS NULL))
			)`,
			`CREATE INDEX outbox_due ON ${s}outbox (state, due_at)`,
			`CREATE INDEX outbox_updated ON ${s}outbox (updated_at)`,
			`CREATE INDEX outbox_created ON ${s}outbox (created_at)`,
		],
	},
	{
		version: 11,
		// Consent (issue 17): what the visitor allowed, as the Click Tracker read it, kept with the click so the funnel
		// carries it to every destination. A JSON object of its own, not part of click_ids: it is no click id, and
		// its values are checked against the model's consent schema on the way in and out.
		name: 'consent with the click',
		sqlite: [`ALTER TABLE clicks ADD COLUMN consent TEXT`],
		postgres: (s) => [`ALTER TABLE ${s}clicks ADD COLUMN consent JSON`],
	},
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Applies the missing migrations to a SQLite database; returns the versions applied by this call. */
export function migrateSqlite(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
	// IMMEDIATE takes the write lock before reading the version, so a second process waits (busy_timeout)
	// instead of reading a stale version and then failing to upgrade its read lock.
	db.exec('BEGIN IMMEDIATE');
	try {
		db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`);
		const done = new Set(
			db
				.prepare('SELECT version FROM schema_migrations')
				.all()
				.map((row) => Number(row.version)),
		);
		const applied: number[] = [];
		const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
		for (const migration of migrations) {
			if (done.has(migration.version)) continue;
			for (const statement of migration.sqlite) db.exec(statement);
			migration.sqliteData?.(db);
			record.run(migration.version, migration.name, new Date().toISOString());
			applied.push(migration.version);
		}
		db.exec('COMMIT');
		return applied;
	} finally {
		// Still open only when something above threw: undo it all (the error propagates).
		if (db.isTransaction) db.exec('ROLLBACK');
	}
}

/** The slice of a `pg` client the migrations use (kept structural, so the published types don't need @types/pg). */
export interface MigrationClient {
	query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** A fixed first key for the advisory lock, so ours never meets another application's locks on the same server. */
const ADVISORY_LOCK_CLASS = 0x70626b; // "pbk"

/**
 * Applies the missing migrations to a PostgreSQL schema (created if absent); returns the versions applied by
 * this call. `schema` must already be validated; `quoted` is its quoted form.
 */
export async function migratePostgres(
	client: MigrationClient,
	schema: string,
	quoted: string,
	migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
	const s = `${quoted}.`;
	await client.query('BEGIN');
	let committed = false;
	try {
		// The lock comes first: even CREATE SCHEMA IF NOT EXISTS fails with a unique violation when two
		// sessions run it at the same moment.
		await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, schema]);
		await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
		await client.query(`CREATE TABLE IF NOT EXISTS ${s}schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
		)`);
		const { rows } = await client.query(`SELECT version FROM ${s}schema_migrations`);
		const done = new Set(rows.map((row) => Number(row.version)));
		const applied: number[] = [];
		for (const migration of migrations) {
			if (done.has(migration.version)) continue;
			for (const statement of migration.postgres(s)) await client.query(statement);
			await migration.postgresData?.(client, s);
			await client.query(`INSERT INTO ${s}schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
			applied.push(migration.version);
		}
		await client.query('COMMIT');
		committed = true;
		return applied;
	} finally {
		// On failure: undo it all (the error propagates).
		if (!committed) await client.query('ROLLBACK').catch(() => undefined);
	}
}
