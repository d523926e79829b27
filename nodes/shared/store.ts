import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeProperties,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { defaultSqlitePath, openStore, sharedStore } from '../../src/store';
import type { DeliveryRecord, StoreConfig, TrackingStore } from '../../src/store';

/**
 * The store selector every stateful node shows. SQLite needs nothing from the operator; PostgreSQL
 * is for queue mode, where every process must see the same clicks and claims.
 */
export const storeProperties: INodeProperties[] = [
	{
		displayName: 'Tracking Store',
		name: 'store',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Embedded (SQLite)', value: 'sqlite', description: 'A file in the n8n user folder; right for a single n8n process' },
			{ name: 'PostgreSQL', value: 'postgres', description: 'Shared by every process; needed for queue mode' },
		],
		default: 'sqlite',
		description: 'Where clicks, conversions and the commission ledger are kept. Use the same store in every node of a pipeline.',
	},
	{
		displayName: 'SQLite File',
		name: 'sqlitePath',
		type: 'string',
		default: '',
		placeholder: '~/.n8n/postback-tracking.sqlite',
		description: 'Leave empty for postback-tracking.sqlite in the n8n user folder',
		displayOptions: { show: { store: ['sqlite'] } },
	},
];

/**
 * The credential's Test button: opens the store for real (connects, creates the schema and applies
 * the migrations) and closes it again, so a green test means the nodes will work.
 */
export async function postbackStoreTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	try {
		const store = await openStore({ kind: 'postgres', connectionString: postgresConnectionString(data), schema: String(data.schema || 'postback') });
		await store.close();
		return { status: 'OK', message: 'Connected; the tracking tables are ready' };
	} catch (error) {
		// pg's messages name host, database and user but never the password.
		return { status: 'Error', message: `Could not open the tracking store: ${(error as Error).message}` };
	}
}

/** Builds a libpq connection string from the credential (values are URL-encoded, never logged). */
export function postgresConnectionString(credential: IDataObject): string {
	const part = (key: string, fallback: string) => encodeURIComponent(String(credential[key] ?? fallback));
	// A credential saved before the option existed has no value: prefer, which tries TLS first (src/store/postgres.ts).
	const ssl = String(credential.ssl || 'prefer');
	return `postgresql://${part('user', 'postgres')}:${part('password', '')}@${part('host', '127.0.0.1')}:${Number(credential.port ?? 5432)}/${part('database', 'n8n')}?sslmode=${ssl}`;
}

/** The process-wide store for this node's settings: opened (and migrated) on first use, then reused. */
export async function storeFor(context: IExecuteFunctions | IWebhookFunctions, itemIndex = 0): Promise<TrackingStore> {
	return await openConfiguredStore(
		(name, fallback) => context.getNodeParameter(name, itemIndex, fallback),
		async () => await context.getCredentials('postbackStorePostgresApi', itemIndex),
	);
}

/** storeFor for a polling trigger, whose parameters are read without an item. */
export async function pollStoreFor(context: IPollFunctions): Promise<TrackingStore> {
	return await openConfiguredStore(
		(name, fallback) => context.getNodeParameter(name, fallback),
		async () => await context.getCredentials('postbackStorePostgresApi'),
	);
}

async function openConfiguredStore(read: (name: string, fallback: string) => unknown, postgresCredential: () => Promise<IDataObject>): Promise<TrackingStore> {
	const kind = read('store', 'sqlite') as string;
	let config: StoreConfig;
	if (kind === 'postgres') {
		const credential = await postgresCredential();
		config = { kind: 'postgres', connectionString: postgresConnectionString(credential), schema: String(credential.schema || 'postback') };
	} else {
		const path = (read('sqlitePath', '') as string).trim();
		config = { kind: 'sqlite', path: path || defaultSqlitePath() };
	}
	return await sharedStore(config);
}

/** The boolean that turns the conversion log on, for nodes that send conversions somewhere. */
export const conversionLogProperty: INodeProperties = {
	displayName: 'Record in Conversion Log',
	name: 'conversionLog',
	type: 'boolean',
	default: true,
	description:
		'Whether to write what happened to each conversion (sent, failed, …) to the tracking store, for the Conversion Log of the Postback Tools node. Only items with a conversionId (Conversion Funnel items) are recorded; a failure to record never fails the send.',
};

/** The store selector shown only while the conversion log is on (and `show` holds, when given). */
export function conversionLogStoreProperties(show: Record<string, Array<string | boolean>> = {}): INodeProperties[] {
	return storeProperties.map((property) => ({
		...property,
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, ...show, conversionLog: [true] } },
	}));
}

/** What one item's delivery was, as the node saw it: the item is recorded only if its JSON carries a conversionId. */
export interface ItemDelivery {
	item: INodeExecutionData;
	delivery: Omit<DeliveryRecord, 'conversionId'>;
}

/**
 * Appends each item's delivery to the conversion log when the node's "Record in Conversion Log" is on (absent
 * parameter: off). Never throws: a store that cannot be opened, or a line that cannot be written, is noted on
 * the item as `conversionLogError`, and the item goes on as it was.
 */
export async function recordDeliveries(context: IExecuteFunctions, deliveries: ItemDelivery[]): Promise<void> {
	let enabled: boolean;
	try {
		enabled = context.getNodeParameter('conversionLog', 0, false) as boolean;
	} catch {
		enabled = false;
	}
	const logged = deliveries.filter(({ item }) => typeof item.json.conversionId === 'string' && item.json.conversionId.trim() !== '');
	if (!enabled || logged.length === 0) return;
	let store: TrackingStore;
	try {
		store = await storeFor(context, 0);
	} catch (error) {
		for (const { item } of logged) item.json.conversionLogError = `Could not open the tracking store: ${(error as Error).message}`;
		return;
	}
	for (const { item, delivery } of logged) {
		try {
			await store.recordDelivery({ ...delivery, conversionId: item.json.conversionId as string });
		} catch (error) {
			item.json.conversionLogError = (error as Error).message;
		}
	}
}
