/**
 * The PostgreSQL tracking store, for n8n in queue mode: every worker and webhook process shares the same clicks,
 * claims and ledger. One `pg` pool per store; every "first or again" decision is one INSERT … ON CONFLICT DO
 * NOTHING on a unique key, so concurrent processes get exactly one "first".
 *
 * `pg` is loaded when a PostgreSQL store opens, never at import time: the package keeps no runtime
 * dependencies, and inside n8n the module resolves to n8n's own `pg` (n8n puts its node_modules on NODE_PATH).
 * Values come back exactly as SQLite returns them: NUMERIC as decimal strings (this pool's own type parsers,
 * never the global `pg.types`), times as `toISOString()` strings, JSON as written.
 */

import type { Pool, PoolClient, PoolConfig } from 'pg';
import {
	claimLeaseMs,
	claimToken,
	conversionKeyParts,
	holderToken,
	isoTime,
	leaseGraceMs,
	leaseInput,
	optionalText,
	payoutItemState,
	payoutItemStates,
	payoutTransition,
	reholdConflict,
	requireText,
	status as checkedStatus,
	StoreInputError,
} from './common';
import { migratePostgres } from './migrations';
import {
	OUTBOX_ERASED_CODE,
	OUTBOX_RETENTION_CODE,
	claimedOutboxFromRow,
	outboxClaimInput,
	outboxFromRow,
	outboxInserts,
	outboxListInput,
	outboxSettleInput,
	replayCandidateFromRow,
	replayDecision,
	replayInput,
	replayReport,
	unknownOutboxEntry,
} from './outbox';
import {
	ErasureScan,
	PRIVACY_BATCH,
	REDACTED_JSON,
	REDACTED_TEXT,
	REPLAY_NAMESPACE,
	conversionCutoffs,
	emptyErasureCounts,
	emptyRetentionCounts,
	personMatcher,
	redactPayload,
	retentionCutoffs,
	type ErasureReport,
	type PersonKey,
	type RedactionLevel,
	type RetentionPolicy,
	type RetentionReport,
} from './privacy';
import {
	CLICK_COLUMNS,
	PAYOUT_ITEM_COLUMNS,
	SETTLEMENT_SQL,
	byCodeUnits,
	checkReservedLines,
	clickFromRow,
	clickValues,
	conversionFromRow,
	conversionListWhere,
	deliveryConversionIds,
	deliveryFromRow,
	deliveryValues,
	conversionValues,
	customerFromRow,
	ledgerFrom,
	ledgerFromRow,
	ledgerValues,
	ledgerWhere,
	payoutHistoryFromRow,
	payoutItemFromRow,
	payoutItemWhere,
	payoutReservationValues,
	statusChangeFromRow,
	statusChangeValues,
	leaseFromRow,
} from './rows';
import type {
	ClaimHolder,
	ClaimOptions,
	ClaimOutcome,
	ClaimResult,
	ClickRecord,
	ConversionKey,
	ConversionListFilter,
	ClaimedOutboxEntry,
	Delivery,
	DeliveryRecord,
	LedgerEntry,
	LedgerFilter,
	LedgerLine,
	LeaseOptions,
	LeaseOutcome,
	LeaseRecord,
	OutboxEntry,
	OutboxSettlement,
	OutboxState,
	ReplayReport,
	ReplayRequest,
	ReplaySkipReason,
	PayoutItemChange,
	PayoutItemFilter,
	PayoutItemHistoryLine,
	PayoutItemRecord,
	PayoutItemReservation,
	PayoutItemState,
	ReserveOutcome,
	StatusChange,
	StoredConversion,
	TrackingStore,
} from './types';
import type { ConversionStatus } from '../model';

export const DEFAULT_POSTGRES_SCHEMA = 'postback';
export const DEFAULT_POOL_SIZE = 5;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/i;

export interface PostgresStoreConfig {
	connectionString: string;
	schema?: string;
	poolSize?: number;
}

/** The schema name, checked (letters, digits, underscores; at most 63 characters), and its quoted form. */
export function postgresSchema(schema: string | undefined): { name: string; quoted: string } {
	const name = schema === undefined || schema === '' ? DEFAULT_POSTGRES_SCHEMA : schema;
	if (typeof name !== 'string' || !SCHEMA_NAME.test(name)) {
		throw new StoreInputError(
			`the PostgreSQL schema must be letters, digits and underscores (at most 63, not starting with a digit); got ${JSON.stringify(name)}`,
		);
	}
	return { name, quoted: `"${name}"` };
}

export function postgresPoolSize(poolSize: number | undefined): number {
	const size = poolSize ?? DEFAULT_POOL_SIZE;
	if (!Number.isInteger(size) || size < 1 || size > 1000) throw new StoreInputError(`poolSize must be a whole number from 1 to 1000; got ${String(poolSize)}`);
	return size;
}

/** `user@host:port/database` for messages: never the password. */
export function describePostgresTarget(connectionString: string): string {
	try {
		const url = new URL(connectionString);
		const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
		return `${user}${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || ''}`;
	} catch {
		return 'the configured PostgreSQL server';
	}
}

type PgModule = typeof import('pg');

function loadPg(): PgModule {
	try {
		// Resolved at open time (inside n8n: n8n's own pg). The package declares no runtime dependency on it.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		return require('pg') as PgModule;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
			throw new Error(
				'The PostgreSQL tracking store needs the "pg" package, which n8n ships; it could not be found from here. ' +
					'Outside n8n, install it next to this package (npm install pg).',
			);
		}
		throw error;
	}
}

/** Raw text for the types this store reads (NUMERIC, JSON, int8, times); pg's defaults for the rest. */
function typeParsers(pg: PgModule): NonNullable<PoolConfig['types']> {
	const raw = new Set([20, 114, 1114, 1184, 1700, 3802]);
	const asText = (value: string) => value;
	return {
		getTypeParser: ((oid: number, format?: 'text' | 'binary') => (raw.has(oid) ? asText : pg.types.getTypeParser(oid, format as 'text'))) as NonNullable<
			PoolConfig['types']
		>['getTypeParser'],
	};
}

/**
 * TLS to the store, with libpq's names (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS):
 * `disable` never; `prefer` (the default, as in libpq) tries TLS first and falls back to plain only when the server
 * answers that it has no TLS; `require` encrypts without checking the certificate; `verify-full` encrypts and checks
 * the certificate chain (the system's CAs) and the host name. pg itself would treat prefer and require as
 * verify-full and never fall back, so the mode is taken out of the connection string and applied here.
 */
export const postgresSslModes = ['disable', 'prefer', 'require', 'verify-full'] as const;
export type PostgresSslMode = (typeof postgresSslModes)[number];

/** The connection string without its `sslmode`, and that mode (prefer when absent). */
export function postgresSslMode(connectionString: string): { connectionString: string; sslMode: PostgresSslMode } {
	let url: URL;
	try {
		url = new URL(connectionString);
	} catch {
		return { connectionString, sslMode: 'prefer' };
	}
	const given = url.searchParams.get('sslmode');
	url.searchParams.delete('sslmode');
	if (given !== null && !(postgresSslModes as readonly string[]).includes(given)) {
		throw new StoreInputError(`sslmode must be one of ${postgresSslModes.join(', ')}; got ${JSON.stringify(given)}`);
	}
	return { connectionString: url.toString(), sslMode: (given as PostgresSslMode | null) ?? 'prefer' };
}

/** pg's message when the server answers the TLS request with "no" (pg/lib/connection.js). */
const SERVER_HAS_NO_TLS = 'The server does not support SSL connections';

export async function openPostgresStore(config: PostgresStoreConfig): Promise<TrackingStore> {
	const requested = requireText(config.connectionString, 'connectionString');
	const { connectionString, sslMode } = postgresSslMode(requested);
	const schema = postgresSchema(config.schema);
	const max = postgresPoolSize(config.poolSize);
	const pg = loadPg();
	const poolWith = (tls: boolean) => {
		const created = new pg.Pool({
			connectionString,
			max,
			types: typeParsers(pg),
			ssl: tls ? { rejectUnauthorized: sslMode === 'verify-full' } : false,
			// A server that never answers must fail the execution, not hang it.
			connectionTimeoutMillis: 10000,
			allowExitOnIdle: true,
			application_name: 'n8n-nodes-postback',
		});
		// An idle connection the server drops must not crash the process; the pool replaces it on next use.
		created.on('error', () => undefined);
		return created;
	};
	let pool = poolWith(sslMode !== 'disable');
	try {
		let client: PoolClient;
		try {
			client = await pool.connect();
		} catch (error) {
			if (sslMode !== 'prefer' || (error as Error).message !== SERVER_HAS_NO_TLS) throw error;
			// prefer: this server has no TLS at all (it said so), so the pool talks plain, as libpq would.
			await pool.end().catch(() => undefined);
			pool = poolWith(false);
			client = await pool.connect();
		}
		try {
			await migratePostgres(client, schema.name, schema.quoted);
		} finally {
			client.release();
		}
	} catch (error) {
		await pool.end().catch(() => undefined);
		const wrapped = new Error(
			`Could not open the PostgreSQL tracking store (${describePostgresTarget(connectionString)}, schema ${schema.name}): ${(error as Error).message}`,
		);
		(wrapped as Error & { cause?: unknown }).cause = error;
		throw wrapped;
	}
	return new PostgresStore(pool, schema.quoted);
}

/** Selects a TIMESTAMPTZ column as the exact `toISOString()` text SQLite stores, whatever the session's DateStyle or TimeZone. */
function iso(column: string, table?: string): string {
	return `to_char(${table ? `${table}.` : ''}${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
}

type Query = (text: string, values: unknown[]) => Promise<{ rows: Array<Record<string, unknown>>; rowCount: number }>;

function params(count: number, from = 1): string {
	return Array.from({ length: count }, (_, index) => `$${index + from}`).join(', ');
}

class PostgresStore implements TrackingStore {
	readonly kind = 'postgres' as const;
	private closed = false;
	private readonly sql: ReturnType<typeof statements>;
	/** `"schema".`, the prefix of every table. */
	private readonly prefix: string;

	constructor(
		private readonly pool: Pool,
		quotedSchema: string,
	) {
		this.prefix = `${quotedSchema}.`;
		this.sql = statements(this.prefix);
	}

	private async query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number }> {
		if (this.closed) throw new Error('Tracking store: this PostgreSQL store is closed');
		const result = await this.pool.query(text, values);
		return { rows: result.rows as Array<Record<string, unknown>>, rowCount: result.rowCount ?? 0 };
	}

	async recordClick(click: ClickRecord): Promise<boolean> {
		return (await this.query(this.sql.recordClick, clickValues(click))).rowCount === 1;
	}

	async findClick(clickId: string): Promise<ClickRecord | undefined> {
		const { rows } = await this.query(this.sql.findClick, [requireText(clickId, 'clickId')]);
		return rows[0] ? clickFromRow(rows[0]) : undefined;
	}

	async findClicksByVisitor(visitorId: string, since: string): Promise<ClickRecord[]> {
		const { rows } = await this.query(this.sql.clicksByVisitor, [requireText(visitorId, 'visitorId'), isoTime(since, 'since')]);
		return rows.map(clickFromRow);
	}

	async findClicksByIpAndUserAgent(ip: string, userAgent: string, since: string): Promise<ClickRecord[]> {
		const { rows } = await this.query(this.sql.clicksByIpAndUserAgent, [requireText(ip, 'ip'), requireText(userAgent, 'userAgent'), isoTime(since, 'since')]);
		return rows.map(clickFromRow);
	}

	async claimConversion(key: ConversionKey, options?: ClaimOptions): Promise<ClaimResult> {
		const outcome = await this.claim(key, options, false);
		// Without a lease the caller guards nothing that could crash halfway: the claim is final at once.
		if (outcome.result === 'first' && options?.leaseMs === undefined) await this.completeClaim(key, { token: outcome.token });
		return outcome.result;
	}

	async claimConversionDetailed(key: ConversionKey, options?: ClaimOptions): Promise<ClaimOutcome> {
		return await this.claim(key, options, true);
	}

	private async claim(key: ConversionKey, options: ClaimOptions | undefined, detailed: boolean): Promise<ClaimOutcome> {
		const parts = conversionKeyParts(key);
		const leaseMs = claimLeaseMs(options);
		const token = claimToken();
		const { rows } = await this.query(this.sql.claim, [...parts, token, leaseMs]);
		if (rows[0]) return { result: 'first', state: Number(rows[0].takeovers) === 0 ? 'new' : 'taken-over', token, claimedAt: String(rows[0].claimed_at) };
		if (!detailed) return { result: 'duplicate', state: 'in-flight' };
		// Only says why it is a duplicate (the decision above is final): a claim is never deleted, so the row is there.
		const {
			rows: [row],
		} = await this.query(this.sql.claimState, parts);
		return { result: 'duplicate', state: row?.state === 'done' ? 'done' : 'in-flight', ...(row ? { claimedAt: String(row.claimed_at) } : {}) };
	}

	async acquireLease(namespace: string, key: string, options: LeaseOptions): Promise<LeaseOutcome> {
		const input = leaseInput(namespace, key, options?.ttlMs ?? null, options?.holder);
		const token = claimToken();
		const { rows } = await this.query(this.sql.acquireLease, [input.namespace, input.key, token, input.holder, input.ttlMs]);
		if (rows[0]) return { acquired: true, token, expiresAt: String(rows[0].expires_at), takenOver: Number(rows[0].takeovers) > 0 };
		const held = await this.getLease(input.namespace, input.key);
		return { acquired: false, expiresAt: held?.expiresAt ?? '', acquiredAt: held?.acquiredAt ?? '', ...(held?.holder ? { holder: held.holder } : {}) };
	}

	async renewLease(namespace: string, key: string, token: string, ttlMs: number): Promise<{ renewed: true; expiresAt: string } | { renewed: false }> {
		const input = leaseInput(namespace, key, ttlMs);
		const { rows } = await this.query(this.sql.renewLease, [input.namespace, input.key, requireText(token, 'lease token'), input.ttlMs]);
		return rows[0] ? { renewed: true, expiresAt: String(rows[0].expires_at) } : { renewed: false };
	}

	async releaseLease(namespace: string, key: string, token: string): Promise<boolean> {
		const input = leaseInput(namespace, key);
		return (await this.query(this.sql.releaseLease, [input.namespace, input.key, requireText(token, 'lease token')])).rowCount === 1;
	}

	async getLease(namespace: string, key: string): Promise<LeaseRecord | undefined> {
		const input = leaseInput(namespace, key);
		const { rows } = await this.query(this.sql.getLease, [input.namespace, input.key]);
		return rows[0] ? leaseFromRow(rows[0]) : undefined;
	}

	async purgeExpiredLeases(options: { namespace?: string; graceMs?: number } = {}): Promise<number> {
		const namespace = options.namespace === undefined ? null : requireText(options.namespace, 'lease namespace');
		return (await this.query(this.sql.purgeLeases, [namespace, leaseGraceMs(options.graceMs)])).rowCount;
	}

	async completeClaim(key: ConversionKey, holder?: ClaimHolder): Promise<boolean> {
		const parts = conversionKeyParts(key);
		const token = holderToken(holder, false);
		return (await this.query(this.sql.completeClaim, [...parts, token])).rowCount === 1;
	}

	async releaseClaim(key: ConversionKey, holder: ClaimHolder & { token: string }): Promise<boolean> {
		const parts = conversionKeyParts(key);
		return (await this.query(this.sql.releaseClaim, [...parts, holderToken(holder, true)])).rowCount === 1;
	}

	async nextClickSequence(clickId: string): Promise<number> {
		const { rows } = await this.query(this.sql.nextSequence, [requireText(clickId, 'clickId')]);
		return Number(rows[0].n);
	}

	async saveConversion(conversion: StoredConversion): Promise<boolean> {
		// One statement: the conversion and its first status line are written together or not at all.
		return (await this.query(this.sql.saveConversion, conversionValues(conversion))).rowCount === 1;
	}

	async getConversion(id: string): Promise<StoredConversion | undefined> {
		const { rows } = await this.query(this.sql.getConversion, [requireText(id, 'id')]);
		return rows[0] ? conversionFromRow(rows[0]) : undefined;
	}

	async findConversionsByTransaction(network: string, transactionId: string): Promise<StoredConversion[]> {
		const { rows } = await this.query(this.sql.conversionsByTransaction, [requireText(network, 'network'), requireText(transactionId, 'transactionId')]);
		return rows.map(conversionFromRow);
	}

	async appendStatus(change: StatusChange, options?: { from?: ConversionStatus }): Promise<boolean> {
		const values = statusChangeValues(change);
		const from = options?.from === undefined ? null : checkedStatus(options.from, 'from');
		// The UPDATE locks the conversion row first, so concurrent changes append in the order they update; with
		// `from`, a change that waited for the lock sees the status the other one wrote and updates nothing.
		const { rowCount } = await this.query(this.sql.appendStatus, [...values, from]);
		if (rowCount === 1) return true;
		if (from !== null && (await this.query(this.sql.conversionExists, [values[0]])).rowCount === 1) return false;
		throw new Error(`Tracking store: no conversion with id ${JSON.stringify(values[0])}`);
	}

	async statusHistory(conversionId: string): Promise<StatusChange[]> {
		const { rows } = await this.query(this.sql.statusHistory, [requireText(conversionId, 'conversionId')]);
		return rows.map(statusChangeFromRow);
	}

	async listConversions(filter: ConversionListFilter = {}): Promise<StoredConversion[]> {
		const { where, values, limit } = conversionListWhere(filter, (n) => `$${n}`);
		const { rows } = await this.query(`${this.sql.conversionSelect} ${where} ORDER BY recorded_at DESC, seq DESC LIMIT $${values.length + 1}`, [
			...values,
			limit,
		]);
		return rows.map(conversionFromRow);
	}

	async recordDelivery(delivery: DeliveryRecord): Promise<Delivery> {
		const { rows } = await this.query(this.sql.recordDelivery, deliveryValues(delivery));
		return deliveryFromRow(rows[0]);
	}

	async listDeliveries(conversions: string | { conversionIds: string[] }): Promise<Delivery[]> {
		const ids = deliveryConversionIds(conversions);
		if (ids.length === 0) return [];
		const { rows } = await this.query(this.sql.listDeliveries, [ids]);
		return rows.map(deliveryFromRow);
	}

	async addLedgerEntry(entry: LedgerEntry): Promise<boolean> {
		const { values, minor } = ledgerValues(entry);
		return (await this.query(this.sql.addLedgerEntry, [...values, minor === null ? null : minor.toString()])).rowCount === 1;
	}

	async listLedger(filter: LedgerFilter = {}): Promise<LedgerLine[]> {
		const { where, values } = ledgerWhere(filter, (n) => `$${n}`, this.prefix);
		const { rows } = await this.query(`${this.sql.listLedger} ${where} ORDER BY l.occurred_at, l.seq`, values);
		return rows.map(ledgerFromRow);
	}

	/**
	 * Runs `body` on one connection inside a transaction: committed when it returns with `commit` true, rolled
	 * back when it returns with `commit` false (its result still returned) or throws.
	 */
	private async transaction<T>(body: (query: Query) => Promise<{ result: T; commit: boolean }>): Promise<T> {
		if (this.closed) throw new Error('Tracking store: this PostgreSQL store is closed');
		const client = await this.pool.connect();
		let open = false;
		try {
			await client.query('BEGIN');
			open = true;
			const query: Query = async (text, values) => {
				const result = await client.query(text, values);
				return { rows: result.rows as Array<Record<string, unknown>>, rowCount: result.rowCount ?? 0 };
			};
			const { result, commit } = await body(query);
			await client.query(commit ? 'COMMIT' : 'ROLLBACK');
			open = false;
			return result;
		} finally {
			// Still open only when something above threw: undo it (the error propagates).
			if (open) await client.query('ROLLBACK').catch(() => undefined);
			client.release();
		}
	}

	async reservePayoutItem(item: PayoutItemReservation): Promise<ReserveOutcome> {
		const { values, entryIds } = payoutReservationValues(item);
		const [id, , , , affiliateId, currency] = values;
		return await this.transaction<ReserveOutcome>(async (query) => {
			// A concurrent reservation of the same id waits here for the other's transaction, then finds its row
			// ('exists') or, if that one rolled back, inserts.
			const inserted = await query(this.sql.insertPayoutItem, values);
			if (inserted.rowCount !== 1) return { result: { outcome: 'exists', existing: (await this.payoutItem(query, id))! }, commit: false };
			const { rows: lines } = await query(this.sql.reservedLines, [entryIds]);
			checkReservedLines(entryIds, lines, affiliateId, currency);
			const taken = lines.filter((line) => line.payout_id !== null).map((line) => String(line.id));
			// The primary key on entry_id decides: a line another transaction is holding makes this insert wait for
			// it, then skip the line if that one committed. Ids go in sorted, so two reservations never deadlock.
			const { rows: held } = await query(this.sql.holdLines, [entryIds, id]);
			const heldIds = new Set(held.map((row) => String(row.entry_id)));
			for (const entryId of entryIds) if (!heldIds.has(entryId)) taken.push(entryId);
			if (taken.length > 0) return { result: { outcome: 'entries_taken', entryIds: [...new Set(taken)].sort(byCodeUnits) }, commit: false };
			await query(this.sql.insertPayoutItemEntries, [id, entryIds]);
			await query(this.sql.insertPayoutHistory, [id, 'reserved', null, null]);
			return { result: { outcome: 'reserved' }, commit: true };
		});
	}

	async updatePayoutItem(id: string, change: PayoutItemChange, options?: { from?: PayoutItemState[] }): Promise<boolean> {
		const itemId = requireText(id, 'id');
		if (!change || typeof change !== 'object') throw new StoreInputError('updatePayoutItem needs a change such as { state: "paid" }');
		const next = payoutItemState(change.state);
		const from = payoutItemStates(options?.from, 'from');
		const providerBatchId = optionalText(change.providerBatchId, 'providerBatchId');
		const providerItemId = optionalText(change.providerItemId, 'providerItemId');
		const error = optionalText(change.error, 'error');
		const note = optionalText(change.note, 'note');
		return await this.transaction(async (query) => {
			// FOR UPDATE: a concurrent change of the same item waits here, then reads the state this one wrote.
			const {
				rows: [row],
			} = await query(this.sql.lockPayoutItem, [itemId]);
			if (!row) throw new Error(`Tracking store: no payout item with id ${JSON.stringify(itemId)}`);
			const current = row.state as PayoutItemState;
			if (from !== undefined && !from.includes(current)) return { result: false, commit: false };
			const { release, rehold } = payoutTransition(itemId, current, row.holds === true, next, change.reopen === true);
			let recordedError = error;
			if (rehold !== 'none') {
				const { rows: covered } = await query(this.sql.payoutItemEntryIds, [itemId]);
				const { rows: held } = await query(this.sql.reholdLines, [itemId]);
				const heldIds = new Set(held.map((line) => String(line.entry_id)));
				const taken = covered
					.map((line) => String(line.entry_id))
					.filter((entryId) => !heldIds.has(entryId))
					.sort(byCodeUnits);
				if (taken.length > 0) {
					// Throwing rolls the holds just taken back.
					if (rehold === 'all') throw new StoreInputError(reholdConflict(itemId, next, taken));
					recordedError = [error, reholdConflict(itemId, next, taken)].filter(Boolean).join('; ');
				}
			}
			await query(this.sql.updatePayoutItem, [itemId, next, providerBatchId, providerItemId, recordedError]);
			if (release) await query(this.sql.releasePayoutItem, [itemId]);
			await query(this.sql.insertPayoutHistory, [itemId, next, note, recordedError]);
			return { result: true, commit: true };
		});
	}

	async getPayoutItem(id: string): Promise<PayoutItemRecord | undefined> {
		return await this.payoutItem((text, values) => this.query(text, values), requireText(id, 'id'));
	}

	private async payoutItem(query: Query, id: string): Promise<PayoutItemRecord | undefined> {
		const { rows } = await query(`${this.sql.payoutItemSelect} WHERE id = $1`, [id]);
		return rows[0] ? payoutItemFromRow(rows[0], rows[0].entry_ids as string[]) : undefined;
	}

	async listPayoutItems(filter: PayoutItemFilter = {}): Promise<PayoutItemRecord[]> {
		const { where, values } = payoutItemWhere(filter, (n) => `$${n}`);
		const { rows } = await this.query(`${this.sql.payoutItemSelect} ${where} ORDER BY seq`, values);
		return rows.map((row) => payoutItemFromRow(row, row.entry_ids as string[]));
	}

	async payoutItemHistory(id: string): Promise<PayoutItemHistoryLine[]> {
		const { rows } = await this.query(this.sql.payoutHistory, [requireText(id, 'id')]);
		return rows.map(payoutHistoryFromRow);
	}

	async enqueueDeliveries(entries: Array<{ conversionId: string; destination: string; item: unknown; dueAt: string }>): Promise<boolean[]> {
		const inserts = outboxInserts(entries);
		const added = new Array<boolean>(inserts.length).fill(false);
		if (inserts.length === 0) return added;
		// In key order (outboxInserts sorts them), so two batches never wait on each other's rows crosswise.
		await this.transaction(async (query) => {
			for (const entry of inserts) {
				added[entry.index] = (await query(this.sql.enqueueOutbox, [entry.conversionId, entry.destination, entry.dueAt, entry.item])).rowCount === 1;
			}
			return { result: undefined, commit: true };
		});
		return added;
	}

	async claimDueDeliveries(options: { now: string; limit: number; leaseMs: number; destinations?: string[] }): Promise<ClaimedOutboxEntry[]> {
		const input = outboxClaimInput(options);
		if (input.destinations?.length === 0) return [];
		const { rows } = await this.query(this.sql.claimOutbox, [input.now, input.limit, input.destinations ?? null, input.leaseExpiresAt, input.tokens]);
		return rows.sort((a, b) => Number(a.n) - Number(b.n)).map(claimedOutboxFromRow);
	}

	async settleDelivery(
		key: { conversionId: string; destination: string },
		settlement: OutboxSettlement,
		detail?: { code?: string; reason?: string; token?: string; at?: string },
	): Promise<boolean> {
		const input = outboxSettleInput(key, settlement, detail);
		// One statement decides: only a pending entry, and with a token only while the lease is still that token's.
		const { rowCount } = await this.query(this.sql.settleOutbox, [
			input.conversionId,
			input.destination,
			input.state,
			input.dueAt,
			input.at,
			input.code,
			input.reason,
			input.token,
		]);
		if (rowCount === 1) return true;
		if ((await this.query(this.sql.outboxExists, [input.conversionId, input.destination])).rows.length > 0) return false;
		throw unknownOutboxEntry(input.conversionId, input.destination);
	}

	async replayDeliveries(request: ReplayRequest): Promise<ReplayReport> {
		const input = replayInput(request);
		const s = this.prefix;
		const clauses = ['o.destination = $2'];
		const values: unknown[] = [input.now, input.destination];
		const add = (sql: (p: string) => string, value: unknown) => {
			values.push(value);
			clauses.push(sql(`$${values.length}`));
		};
		if (input.conversionIds) add((p) => `o.conversion_id = ANY(${p}::text[])`, input.conversionIds);
		if (input.network !== undefined) add((p) => `c.network = ${p}`, input.network);
		if (input.recordedFrom !== undefined) add((p) => `c.recorded_at >= ${p}::timestamptz`, input.recordedFrom);
		if (input.recordedBefore !== undefined) add((p) => `c.recorded_at < ${p}::timestamptz`, input.recordedBefore);
		values.push(input.limit + 1);
		// The matched entries are locked until the replay commits: no claim or settlement changes them in between.
		return await this.transaction(async (query) => {
			const { rows } = await query(
				`SELECT o.conversion_id, o.state, o.item IS NOT NULL AS has_item, o.last_code,
					(o.lease_expires_at IS NOT NULL AND o.lease_expires_at > $1::timestamptz) AS leased, c.privacy, c.payload::text AS payload
					FROM ${s}outbox AS o LEFT JOIN ${s}conversions AS c ON c.id = o.conversion_id
					WHERE ${clauses.join(' AND ')} ORDER BY o.conversion_id COLLATE "C" LIMIT $${values.length} FOR UPDATE OF o`,
				values,
			);
			const more = rows.length > input.limit;
			const outcomes: Array<{ conversionId: string; replayed: boolean; reason?: ReplaySkipReason }> = [];
			for (const row of rows.slice(0, input.limit)) {
				const candidate = replayCandidateFromRow(row);
				const decision = replayDecision(candidate);
				if (!decision.replay) {
					outcomes.push({ conversionId: candidate.conversionId, replayed: false, reason: decision.reason });
					continue;
				}
				await query(
					`UPDATE ${s}outbox SET state = 'pending', attempts = 0, due_at = $1::timestamptz, updated_at = $1::timestamptz,
						item = coalesce(item, $2::json), lease_token = NULL, lease_expires_at = NULL WHERE conversion_id = $3 AND destination = $4`,
					[input.now, decision.item, candidate.conversionId, input.destination],
				);
				outcomes.push({ conversionId: candidate.conversionId, replayed: true });
			}
			const matched = new Set(outcomes.map((outcome) => outcome.conversionId));
			for (const id of input.conversionIds ?? []) if (!matched.has(id)) outcomes.push({ conversionId: id, replayed: false, reason: 'no_entry' });
			return { result: replayReport(input, outcomes, more), commit: true };
		});
	}

	async listOutbox(filter?: { conversionIds?: string[]; states?: OutboxState[]; destination?: string; limit?: number }): Promise<OutboxEntry[]> {
		const input = outboxListInput(filter);
		if (input.conversionIds?.length === 0 || input.states?.length === 0) return [];
		const { rows } = await this.query(this.sql.listOutbox, [input.conversionIds ?? null, input.states ?? null, input.destination ?? null, input.limit]);
		return rows.map(outboxFromRow);
	}

	async setCoupon(code: string, affiliateId: string): Promise<void> {
		await this.query(this.sql.setCoupon, [requireText(code, 'code'), requireText(affiliateId, 'affiliateId'), new Date().toISOString()]);
	}

	async findCouponAffiliate(code: string): Promise<string | undefined> {
		const { rows } = await this.query(this.sql.findCoupon, [requireText(code, 'code')]);
		return rows[0] ? String(rows[0].affiliate_id) : undefined;
	}

	async linkCustomer(customerKey: string, affiliateId: string, clickId?: string): Promise<{ affiliateId: string; clickId?: string }> {
		const key = requireText(customerKey, 'customerKey');
		await this.query(this.sql.linkCustomer, [key, requireText(affiliateId, 'affiliateId'), optionalText(clickId, 'clickId'), new Date().toISOString()]);
		// A separate statement (a fresh snapshot under READ COMMITTED), so it sees a link another process just made.
		return (await this.findCustomer(key))!;
	}

	async findCustomer(customerKey: string): Promise<{ affiliateId: string; clickId?: string } | undefined> {
		const { rows } = await this.query(this.sql.findCustomer, [requireText(customerKey, 'customerKey')]);
		return rows[0] ? customerFromRow(rows[0]) : undefined;
	}

	async applyRetention(policy: RetentionPolicy, options: { now?: string } = {}): Promise<RetentionReport> {
		const { now, cutoffs } = retentionCutoffs(policy, options?.now);
		const counts = emptyRetentionCounts();
		const s = this.prefix;
		const { personal, raw } = conversionCutoffs(cutoffs);
		if (personal !== undefined) counts.conversionsPersonalRedacted = await this.redactConversionsBefore(personal, 'personal');
		if (raw !== undefined) {
			counts.conversionsRawRedacted = await this.redactConversionsBefore(raw, 'raw');
			counts.statusDetailsRedacted = (
				await this.query(`UPDATE ${s}conversion_status_history SET detail = $1::json WHERE at < $2 AND detail IS NOT NULL AND detail::text <> $1`, [
					REDACTED_JSON,
					raw,
				])
			).rowCount;
		}
		await this.transaction(async (query) => {
			if (cutoffs.clicks !== undefined) counts.clicksDeleted = (await query(`DELETE FROM ${s}clicks WHERE clicked_at < $1`, [cutoffs.clicks])).rowCount;
			if (personal !== undefined) {
				counts.customersDeleted = (await query(`DELETE FROM ${s}customers WHERE linked_at < $1`, [personal])).rowCount;
				counts.deliveryReasonsRedacted = (
					await query(`UPDATE ${s}deliveries SET reason = $1 WHERE at < $2 AND reason IS NOT NULL AND reason <> $1`, [REDACTED_TEXT, personal])
				).rowCount;
			}
			if (cutoffs.replayMemory !== undefined) {
				// Never memory that is still valid, whatever `now` says: forgetting it would let a signature be replayed.
				counts.replayMemoryDeleted = (
					await query(`DELETE FROM ${s}leases WHERE namespace = $1 AND expires_at < $2 AND expires_at <= now()`, [REPLAY_NAMESPACE, cutoffs.replayMemory])
				).rowCount;
			}
			if (cutoffs.deliveries !== undefined) {
				// The window exists only inside this transaction (never visible to another): the trigger lets exactly these lines go.
				await query(`INSERT INTO ${s}retention_windows (kind, cutoff) VALUES ('deliveries', $1)`, [cutoffs.deliveries]);
				counts.deliveriesDeleted = (await query(`DELETE FROM ${s}deliveries WHERE at < $1`, [cutoffs.deliveries])).rowCount;
				await query(`DELETE FROM ${s}retention_windows WHERE kind = 'deliveries'`, []);
				counts.outboxDeleted = (await query(`DELETE FROM ${s}outbox WHERE state <> 'pending' AND updated_at < $1`, [cutoffs.deliveries])).rowCount;
			}
			if (personal !== undefined) {
				// A pending entry's item is the customer data itself: past the cutoff it goes, and the entry with it (never sent without it).
				counts.outboxItemsDropped = (
					await query(
						`UPDATE ${s}outbox SET state = 'gave_up', item = NULL, lease_token = NULL, lease_expires_at = NULL, last_code = $1, updated_at = now()
							WHERE state = 'pending' AND created_at < $2`,
						[OUTBOX_RETENTION_CODE, personal],
					)
				).rowCount;
			}
			return { result: undefined, commit: true };
		});
		return { now, cutoffs, counts };
	}

	/** Redacts conversions recorded before `cutoff` that are not redacted this far yet, a batch per transaction. */
	private async redactConversionsBefore(cutoff: string, level: RedactionLevel): Promise<number> {
		const s = this.prefix;
		const pending = level === 'personal' ? `(privacy IS NULL OR privacy = 'raw')` : 'privacy IS NULL';
		let changed = 0;
		for (;;) {
			const done = await this.transaction(async (query) => {
				const { rows } = await query(
					`SELECT id, payload FROM ${s}conversions WHERE recorded_at < $1 AND ${pending} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
					[cutoff, PRIVACY_BATCH],
				);
				for (const row of rows) {
					await query(`UPDATE ${s}conversions SET payload = $1::json, privacy = $2 WHERE id = $3`, [
						JSON.stringify(redactPayload(JSON.parse(String(row.payload)), level)),
						level,
						row.id,
					]);
				}
				return { result: rows.length, commit: true };
			});
			changed += done;
			if (done < PRIVACY_BATCH) return changed;
		}
	}

	async erasePerson(person: PersonKey): Promise<ErasureReport> {
		const matcher = personMatcher(person);
		const scan = new ErasureScan(matcher);
		const s = this.prefix;
		for (let pass = 0; scan.nextPass(pass); pass++) {
			await this.scanConversions((id, clickId, payload) => scan.visit(id, clickId, payload));
			// Clicks whose URLs carry the person's email, and every click of the same visitors (the same browser).
			const { rows: byUrl } = await this.query(
				`SELECT click_id FROM ${s}clicks WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS needle (value)
					WHERE strpos(lower(coalesce(landing_url, '') || ' ' || coalesce(referrer, '') || ' ' || coalesce(offer_url, '')), needle.value) > 0)`,
				[scan.needles],
			);
			scan.addClickIds(byUrl.map((row) => row.click_id));
			const { rows: sameVisitor } = await this.query(
				`SELECT click_id FROM ${s}clicks WHERE visitor_id IN (SELECT visitor_id FROM ${s}clicks WHERE click_id = ANY($1::text[]) AND visitor_id IS NOT NULL)`,
				[scan.clickIds],
			);
			scan.addClickIds(sameVisitor.map((row) => row.click_id));
		}
		const needles = scan.needles;
		const conversionIds = [...scan.conversions.keys()];
		const clickIds = scan.clickIds;
		const counts = emptyErasureCounts();
		await this.transaction(async (query) => {
			for (const [id, payload] of scan.conversions) {
				const redacted = JSON.stringify(scan.redacted(payload));
				counts.conversionsRedacted += (
					await query(
						`UPDATE ${s}conversions SET payload = $1::json, privacy = 'personal'
							WHERE id = $2 AND (payload::text IS DISTINCT FROM $1 OR privacy IS DISTINCT FROM 'personal')`,
						[redacted, id],
					)
				).rowCount;
			}
			counts.statusDetailsRedacted = (
				await query(
					`UPDATE ${s}conversion_status_history SET detail = $1::json WHERE conversion_id = ANY($2::text[]) AND detail IS NOT NULL AND detail::text <> $1`,
					[REDACTED_JSON, conversionIds],
				)
			).rowCount;
			counts.deliveriesRedacted = (
				await query(
					`UPDATE ${s}deliveries SET reason = $1 WHERE reason IS NOT NULL AND reason <> $1
						AND (conversion_id = ANY($2::text[]) OR conversion_id = ANY($3::text[])
							OR EXISTS (SELECT 1 FROM unnest($4::text[]) AS needle (value) WHERE strpos(lower(reason), needle.value) > 0))`,
					[REDACTED_TEXT, conversionIds, clickIds, needles],
				)
			).rowCount;
			counts.clicksDeleted = (await query(`DELETE FROM ${s}clicks WHERE click_id = ANY($1::text[])`, [clickIds])).rowCount;
			counts.customersDeleted = (
				await query(
					`DELETE FROM ${s}customers WHERE customer_key = ANY($1::text[]) OR lower(trim(customer_key)) = ANY($2::text[]) OR click_id = ANY($3::text[])`,
					[scan.customerKeys, scan.emails, clickIds],
				)
			).rowCount;
			counts.outboxErased = await this.eraseOutbox(query, scan, conversionIds, needles);
			return { result: undefined, commit: true };
		});
		return { keys: matcher.keys, counts };
	}

	/**
	 * Inside erasePerson's transaction: the person's pending outbox entries lose their item and give up (code 'erased');
	 * the reasons of their settled entries, and of any entry naming them, are redacted. Returns the entries changed.
	 */
	private async eraseOutbox(query: Query, scan: ErasureScan, conversionIds: string[], needles: string[]): Promise<number> {
		const s = this.prefix;
		let changed = 0;
		let after: [string, string] = ['', ''];
		for (;;) {
			// Locked as read, so a redelivery run cannot settle (or a retention drop) an entry between the check and the erasure.
			const { rows } = await query(
				`SELECT conversion_id, destination, item FROM ${s}outbox WHERE state = 'pending'
					AND (conversion_id COLLATE "C", destination COLLATE "C") > ($1 COLLATE "C", $2 COLLATE "C")
					ORDER BY conversion_id COLLATE "C", destination COLLATE "C" LIMIT $3 FOR UPDATE`,
				[...after, PRIVACY_BATCH],
			);
			for (const row of rows) {
				if (!scan.ownsOutboxItem(String(row.conversion_id), JSON.parse(String(row.item)))) continue;
				changed += (
					await query(
						`UPDATE ${s}outbox SET state = 'gave_up', item = NULL, lease_token = NULL, lease_expires_at = NULL, last_code = $1,
							last_reason = CASE WHEN last_reason IS NULL THEN NULL ELSE $2 END, updated_at = now() WHERE conversion_id = $3 AND destination = $4`,
						[OUTBOX_ERASED_CODE, REDACTED_TEXT, row.conversion_id, row.destination],
					)
				).rowCount;
			}
			if (rows.length < PRIVACY_BATCH) break;
			after = [String(rows[rows.length - 1].conversion_id), String(rows[rows.length - 1].destination)];
		}
		changed += (
			await query(
				`UPDATE ${s}outbox SET last_reason = $1 WHERE state <> 'pending' AND last_reason IS NOT NULL AND last_reason <> $1
					AND (conversion_id = ANY($2::text[]) OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS needle (value) WHERE strpos(lower(last_reason), needle.value) > 0))`,
				[REDACTED_TEXT, conversionIds, needles],
			)
		).rowCount;
		return changed;
	}

	/** Every stored conversion, a batch at a time, in id order (byte order, the same for the cursor and the sort). */
	private async scanConversions(visit: (id: string, clickId: string | null, payload: unknown) => void): Promise<void> {
		let after = '';
		for (;;) {
			const { rows } = await this.query(
				`SELECT id, click_id, payload FROM ${this.prefix}conversions WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2`,
				[after, PRIVACY_BATCH],
			);
			for (const row of rows) visit(String(row.id), row.click_id === null ? null : String(row.click_id), JSON.parse(String(row.payload)));
			if (rows.length < PRIVACY_BATCH) return;
			after = String(rows[rows.length - 1].id);
		}
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end();
	}
}

/** Every statement, with tables qualified by the schema (`s` is `"schema".`). */
function statements(s: string) {
	const clickColumns = CLICK_COLUMNS.map(([column]) => column);
	const clickSelect = `SELECT click_id, ${iso('clicked_at')}, ${clickColumns.join(', ')}, utm, click_ids, consent FROM ${s}clicks`;
	const conversionSelect = `SELECT id, network, transaction_id, event_name, click_id, affiliate_id, status, amount, commission, currency,
		${iso('occurred_at')}, ${iso('recorded_at')}, attribution, payload FROM ${s}conversions`;
	const deliveryColumns = `conversion_id, destination, outcome, event_id, code, reason, http_status, ${iso('at')}`;
	const outboxColumns = `o.conversion_id, o.destination, o.state, o.attempts, ${iso('due_at', 'o')}, ${iso('created_at', 'o')}, ${iso('updated_at', 'o')},
		o.last_code, o.last_reason, o.item`;
	return {
		enqueueOutbox: `INSERT INTO ${s}outbox (conversion_id, destination, state, due_at, created_at, updated_at, item)
			VALUES ($1, $2, 'pending', $3, now(), now(), $4::json) ON CONFLICT (conversion_id, destination) DO NOTHING`,
		// The due entries, locked (skipping those another claim is taking right now), each given its own token
		// from $5 in due order. A row another claim has just leased and committed is re-checked against its new
		// lease by FOR UPDATE, so it is not claimed twice.
		claimOutbox: `WITH due AS (
				SELECT conversion_id, destination, due_at, created_at, seq FROM ${s}outbox
				WHERE state = 'pending' AND due_at <= $1::timestamptz AND (lease_expires_at IS NULL OR lease_expires_at <= $1::timestamptz)
					AND ($3::text[] IS NULL OR destination = ANY($3::text[]) OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS d(name)
						WHERE right(d.name, 1) = '*' AND left(destination, length(d.name) - 1) = left(d.name, length(d.name) - 1)))
				ORDER BY due_at, created_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
			), numbered AS (SELECT conversion_id, destination, row_number() OVER (ORDER BY due_at, created_at, seq) AS n FROM due)
			UPDATE ${s}outbox AS o SET lease_token = ($5::text[])[numbered.n], lease_expires_at = $4::timestamptz
			FROM numbered WHERE o.conversion_id = numbered.conversion_id AND o.destination = numbered.destination
			RETURNING ${outboxColumns}, o.lease_token, numbered.n`,
		settleOutbox: `UPDATE ${s}outbox SET state = $3::text, attempts = attempts + 1, due_at = coalesce($4::timestamptz, due_at),
				updated_at = coalesce($5::timestamptz, now()), last_code = $6, last_reason = $7,
				item = CASE WHEN $3::text = 'pending' THEN item ELSE NULL END, lease_token = NULL, lease_expires_at = NULL
			WHERE conversion_id = $1 AND destination = $2 AND state = 'pending' AND ($8::text IS NULL OR lease_token = $8::text)`,
		outboxExists: `SELECT 1 FROM ${s}outbox WHERE conversion_id = $1 AND destination = $2`,
		listOutbox: `SELECT ${outboxColumns} FROM ${s}outbox AS o
			WHERE ($1::text[] IS NULL OR o.conversion_id = ANY($1::text[])) AND ($2::text[] IS NULL OR o.state = ANY($2::text[]))
				AND ($3::text IS NULL OR o.destination = $3::text)
			ORDER BY o.created_at, o.seq LIMIT $4`,
		conversionSelect,
		recordDelivery: `INSERT INTO ${s}deliveries (conversion_id, destination, outcome, event_id, code, reason, http_status, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7::integer, coalesce($8::timestamptz, now())) RETURNING ${deliveryColumns}`,
		listDeliveries: `SELECT ${deliveryColumns} FROM ${s}deliveries WHERE conversion_id = ANY($1::text[]) ORDER BY seq`,
		recordClick: `INSERT INTO ${s}clicks (click_id, clicked_at, ${clickColumns.join(', ')}, utm, click_ids, consent)
			VALUES (${params(clickColumns.length + 5)}) ON CONFLICT (click_id) DO NOTHING`,
		findClick: `${clickSelect} WHERE click_id = $1`,
		// md5(...) = md5($n) matches the expression indexes; the plain comparison keeps the result exact.
		clicksByVisitor: `${clickSelect} WHERE md5(visitor_id) = md5($1) AND visitor_id = $1 AND clicked_at >= $2 ORDER BY clicked_at, seq`,
		clicksByIpAndUserAgent: `${clickSelect} WHERE ip = $1 AND md5(user_agent) = md5($2) AND user_agent = $2 AND clicked_at >= $3
			ORDER BY clicked_at DESC, seq DESC`,
		// The claim in one statement: insert the key as pending, or take over a claim that was released or whose
		// holder's lease ran out by the server's clock. A concurrent claimer waits for the row lock and then
		// re-checks the condition against the row the other one wrote, so exactly one of them takes it.
		// RETURNING gives a row only when this statement took the claim; takeovers is 0 only when it inserted it.
		claim: `INSERT INTO ${s}conversion_claims AS claim (network, transaction_id, event_name, claimed_at, state, holder)
			VALUES ($1, $2, $3, now(), 'pending', $4)
			ON CONFLICT (network, transaction_id, event_name) DO UPDATE
				SET claimed_at = excluded.claimed_at, state = 'pending', holder = excluded.holder, takeovers = claim.takeovers + 1
				WHERE claim.state = 'released' OR (claim.state = 'pending' AND claim.claimed_at < now() - $5::double precision * interval '1 millisecond')
			RETURNING claim.takeovers, ${iso('claimed_at')}`,
		claimState: `SELECT state, ${iso('claimed_at')} FROM ${s}conversion_claims WHERE network = $1 AND transaction_id = $2 AND event_name = $3`,
		completeClaim: `UPDATE ${s}conversion_claims SET state = 'done'
			WHERE network = $1 AND transaction_id = $2 AND event_name = $3 AND ($4::text IS NULL OR holder = $4::text)`,
		releaseClaim: `UPDATE ${s}conversion_claims SET state = 'released'
			WHERE network = $1 AND transaction_id = $2 AND event_name = $3 AND holder = $4 AND state = 'pending'`,
		acquireLease: `INSERT INTO ${s}leases AS lease (namespace, lease_key, token, holder, acquired_at, expires_at)
			VALUES ($1, $2, $3, $4, now(), now() + $5::double precision * interval '1 millisecond')
			ON CONFLICT (namespace, lease_key) DO UPDATE
				SET token = excluded.token, holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at,
					renewals = 0, takeovers = lease.takeovers + 1
				WHERE lease.expires_at <= now()
			RETURNING lease.takeovers, ${iso('expires_at')}`,
		renewLease: `UPDATE ${s}leases SET expires_at = now() + $4::double precision * interval '1 millisecond', renewals = renewals + 1
			WHERE namespace = $1 AND lease_key = $2 AND token = $3 RETURNING ${iso('expires_at')}`,
		releaseLease: `DELETE FROM ${s}leases WHERE namespace = $1 AND lease_key = $2 AND token = $3`,
		getLease: `SELECT namespace, lease_key, holder, ${iso('acquired_at')}, ${iso('expires_at')}, renewals FROM ${s}leases WHERE namespace = $1 AND lease_key = $2`,
		purgeLeases: `DELETE FROM ${s}leases WHERE ($1::text IS NULL OR namespace = $1::text) AND expires_at <= now() - $2::double precision * interval '1 millisecond'`,
		nextSequence: `INSERT INTO ${s}click_sequences AS sequence (click_id, n) VALUES ($1, 1)
			ON CONFLICT (click_id) DO UPDATE SET n = sequence.n + 1 RETURNING n`,
		saveConversion: `WITH inserted AS (
				INSERT INTO ${s}conversions (id, network, transaction_id, event_name, click_id, affiliate_id, status, amount, commission, currency,
					occurred_at, recorded_at, attribution, payload)
				VALUES (${params(14)}) ON CONFLICT (id) DO NOTHING
				RETURNING id, status, recorded_at
			)
			INSERT INTO ${s}conversion_status_history (conversion_id, status, at) SELECT id, status, recorded_at FROM inserted`,
		getConversion: `${conversionSelect} WHERE id = $1`,
		conversionExists: `SELECT 1 FROM ${s}conversions WHERE id = $1`,
		conversionsByTransaction: `${conversionSelect} WHERE network = $1 AND transaction_id = $2 ORDER BY occurred_at, seq`,
		appendStatus: `WITH updated AS (
				UPDATE ${s}conversions SET status = $2::text WHERE id = $1 AND ($5::text IS NULL OR status = $5::text) RETURNING id
			)
			INSERT INTO ${s}conversion_status_history (conversion_id, status, at, detail) SELECT id, $2::text, $3::timestamptz, $4::json FROM updated`,
		statusHistory: `SELECT conversion_id, status, ${iso('at')}, detail FROM ${s}conversion_status_history WHERE conversion_id = $1 ORDER BY seq`,
		addLedgerEntry: `INSERT INTO ${s}ledger (id, affiliate_id, kind, amount, currency, status, conversion_id, network, transaction_id,
				occurred_at, recorded_at, payout_id, note, amount_minor)
			VALUES (${params(14)}) ON CONFLICT (id) DO NOTHING`,
		listLedger: `SELECT l.id, l.affiliate_id, l.kind, l.amount, l.currency, l.status, l.conversion_id, l.network, l.transaction_id,
			${iso('occurred_at', 'l')}, ${iso('recorded_at', 'l')}, l.payout_id, l.note, l.amount_minor::text AS amount_minor,
			a.item_id AS payout_item_id, ${SETTLEMENT_SQL} AS settlement ${ledgerFrom(s)}`,
		insertPayoutItem: `INSERT INTO ${s}payout_items (${PAYOUT_ITEM_COLUMNS}, state, created_at, updated_at)
			VALUES (${params(8)}, 'reserved', now(), now()) ON CONFLICT (id) DO NOTHING`,
		reservedLines: `SELECT id, affiliate_id, currency, payout_id FROM ${s}ledger WHERE id = ANY($1::text[])`,
		holdLines: `INSERT INTO ${s}payout_allocations (entry_id, item_id) SELECT entry_id, $2::text FROM unnest($1::text[]) WITH ORDINALITY AS line (entry_id, n)
			ORDER BY n ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id`,
		insertPayoutItemEntries: `INSERT INTO ${s}payout_item_entries (item_id, entry_id) SELECT $1::text, entry_id FROM unnest($2::text[]) AS line (entry_id)`,
		insertPayoutHistory: `INSERT INTO ${s}payout_item_history (item_id, state, at, note, error) VALUES ($1, $2, now(), $3, $4)`,
		lockPayoutItem: `SELECT state, EXISTS (SELECT 1 FROM ${s}payout_allocations WHERE item_id = $1) AS holds FROM ${s}payout_items WHERE id = $1 FOR UPDATE`,
		updatePayoutItem: `UPDATE ${s}payout_items SET state = $2, provider_batch_id = coalesce($3, provider_batch_id),
			provider_item_id = coalesce($4, provider_item_id), error = coalesce($5, error), updated_at = now() WHERE id = $1`,
		releasePayoutItem: `DELETE FROM ${s}payout_allocations WHERE item_id = $1`,
		payoutItemEntryIds: `SELECT entry_id FROM ${s}payout_item_entries WHERE item_id = $1`,
		// In byte order, as reservations take their lines, so the two never wait on each other crosswise.
		reholdLines: `INSERT INTO ${s}payout_allocations (entry_id, item_id) SELECT entry_id, item_id FROM ${s}payout_item_entries WHERE item_id = $1
			ORDER BY entry_id COLLATE "C" ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id`,
		payoutItemSelect: `SELECT ${PAYOUT_ITEM_COLUMNS}, state, provider_batch_id, provider_item_id, error, ${iso('created_at')}, ${iso('updated_at')},
			ARRAY(SELECT entry_id FROM ${s}payout_item_entries WHERE item_id = payout_items.id) AS entry_ids FROM ${s}payout_items`,
		payoutHistory: `SELECT state, ${iso('at')}, note, error FROM ${s}payout_item_history WHERE item_id = $1 ORDER BY seq`,
		setCoupon: `INSERT INTO ${s}coupons (code, affiliate_id, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (code) DO UPDATE SET affiliate_id = excluded.affiliate_id, updated_at = excluded.updated_at`,
		findCoupon: `SELECT affiliate_id FROM ${s}coupons WHERE code = $1`,
		linkCustomer: `INSERT INTO ${s}customers (customer_key, affiliate_id, click_id, linked_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (customer_key) DO NOTHING`,
		findCustomer: `SELECT affiliate_id, click_id FROM ${s}customers WHERE customer_key = $1`,
	};
}
