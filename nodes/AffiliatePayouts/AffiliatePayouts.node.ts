import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
} from 'n8n-workflow';
import { normalizeDecimal } from '../../src/model';
import {
	type PayoutContext,
	type PayoutDeps,
	type PayoutHttpRequest,
	type PayoutHttpResponse,
	type PayoutReceiver,
	type PayoutReport,
	type PayoutRules,
	PAYOUT_PROVIDERS,
	type PayoutProviderConfigs,
	type PayoutProviderId,
	payDuePayouts,
	planPayouts,
	statementCsv,
	statementFor,
	statementHtml,
	syncPayouts,
} from '../../src/payouts';
import { n8nEngineSend } from '../shared/http';
import { postbackStoreTest, storeFor } from '../shared/store';
import { affiliatePayoutsProperties } from './description';
import { optionLabel } from '../shared/expression';
import { credentialShownFor } from '../shared/credential-display';

const CREDENTIAL_OF: Record<PayoutProviderId, string> = { paypal: 'payPalPayoutsApi', stripe: 'stripeConnectApi' };

/** n8n's HTTP helper (axios: the operator's proxy applies) as the payout engine's `send`; bodies go as built. */
function n8nPayoutDeps(context: IExecuteFunctions): PayoutDeps {
	const send = n8nEngineSend(context, { json: false, timeout: 60_000, parseJsonAnswer: true });
	return {
		sleep: async (ms) => await sleep(ms),
		send: async (request: PayoutHttpRequest): Promise<PayoutHttpResponse> => await send(request),
	};
}

async function providerConfig(context: IExecuteFunctions, provider: PayoutProviderId): Promise<PayoutProviderConfigs[PayoutProviderId]> {
	const credential = await context.getCredentials(CREDENTIAL_OF[provider]);
	const baseUrl = String(credential.baseUrl ?? '').trim();
	if (provider === 'paypal') {
		return {
			clientId: String(credential.clientId ?? ''),
			clientSecret: String(credential.clientSecret ?? ''),
			environment: credential.environment === 'live' ? 'live' : 'sandbox',
			...(baseUrl ? { baseUrl } : {}),
		};
	}
	return { secretKey: String(credential.secretKey ?? ''), ...(baseUrl ? { baseUrl } : {}) };
}

function listOption(value: unknown): string[] | undefined {
	const list = String(value ?? '')
		.split(',')
		.map((part) => part.trim())
		.filter(Boolean);
	return list.length ? list : undefined;
}

function readRules(context: IExecuteFunctions): PayoutRules {
	const rows = context.getNodeParameter('minimum.minimum', 0, []) as Array<{ currency?: string; amount?: string }>;
	const minimum: Record<string, string> = {};
	for (const [index, row] of rows.entries()) {
		const currency = String(row.currency ?? '')
			.trim()
			.toUpperCase();
		const amount = normalizeDecimal(String(row.amount ?? ''));
		if (!/^[A-Z]{3}$/.test(currency) || amount === undefined || amount.startsWith('-')) {
			throw new NodeOperationError(context.getNode(), `Minimum payout ${index + 1} must be a currency code such as USD and a positive amount such as 50.00`);
		}
		minimum[currency] = amount;
	}
	return {
		payDay: context.getNodeParameter('payDay', 0, 20) as number,
		holdingDays: context.getNodeParameter('holdingDays', 0, 30) as number,
		minimum,
		invalidLines: context.getNodeParameter('invalidLines', 0, 'hold') === 'skip' ? 'skip' : 'hold',
	};
}

function readAsOf(context: IExecuteFunctions): Date {
	const value = String(context.getNodeParameter('asOf', 0, '') ?? '').trim();
	if (!value) return new Date();
	const asOf = new Date(value);
	if (Number.isNaN(asOf.getTime())) throw new NodeOperationError(context.getNode(), `"As Of" is not a date: ${value}`);
	return asOf;
}

/** Affiliate → receiver, and the input item each came from (for pairedItem). */
function readReceivers(context: IExecuteFunctions, items: INodeExecutionData[]): { receivers: Map<string, PayoutReceiver>; itemOf: Map<string, number> } {
	const receivers = new Map<string, PayoutReceiver>();
	const itemOf = new Map<string, number>();
	if (context.getNodeParameter('receiversFrom', 0, 'items') === 'list') {
		for (const row of context.getNodeParameter('receivers.affiliate', 0, []) as Array<{ affiliateId?: string; receiver?: string }>) {
			const affiliateId = String(row.affiliateId ?? '').trim();
			if (affiliateId && String(row.receiver ?? '').trim()) receivers.set(affiliateId, { receiver: String(row.receiver).trim() });
		}
		return { receivers, itemOf };
	}
	items.forEach((_, itemIndex) => {
		const affiliateId = String(context.getNodeParameter('affiliateId', itemIndex, '') ?? '').trim();
		const receiver = String(context.getNodeParameter('receiver', itemIndex, '') ?? '').trim();
		if (!affiliateId) return;
		if (receiver) receivers.set(affiliateId, { receiver });
		itemOf.set(affiliateId, itemIndex);
	});
	return { receivers, itemOf };
}

function reportItem(report: PayoutReport, itemIndex: number): INodeExecutionData {
	return { json: report as unknown as IDataObject, pairedItem: { item: itemIndex } };
}

// Deliberately not usableAsTool: an AI agent calling this node would move real money on a model's say-so.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class AffiliatePayouts implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Affiliate Payouts',
		name: 'affiliatePayouts',
		icon: { light: 'file:payouts.svg', dark: 'file:payouts.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{$parameter["operation"] === "pay" ? "Pay via " + ${optionLabel(affiliatePayoutsProperties, 'provider')} : ${optionLabel(affiliatePayoutsProperties, 'operation')}}}`,
		description: 'Calculates what affiliates are owed from the commission ledger and pays them through PayPal or Stripe, never twice',
		defaults: { name: 'Affiliate Payouts' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'payPalPayoutsApi', required: true, displayOptions: credentialShownFor({ operation: ['pay', 'syncStatus'], provider: ['paypal'] }) },
			{ name: 'stripeConnectApi', required: true, displayOptions: credentialShownFor({ operation: ['pay', 'syncStatus'], provider: ['stripe'] }) },
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
		],
		properties: affiliatePayoutsProperties,
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as string;
		const store = await storeFor(this, 0);
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;

		try {
			if (operation === 'statement') return [await statements(this, items)];

			if (operation === 'calculateDue') {
				const plan = await planPayouts(store, readRules(this), readAsOf(this), {
					affiliateIds: listOption(options.affiliateIds),
					currencies: listOption(options.currencies),
				});
				const out: INodeExecutionData[] = [];
				for (const due of plan.payable) {
					out.push({
						json: {
							outcome: 'due',
							affiliateId: due.affiliateId,
							currency: due.currency,
							amount: due.amount,
							period: due.period,
							payDate: due.payDate,
							entryIds: due.entries.map((entry) => entry.id),
						},
						pairedItem: { item: 0 },
					});
				}
				for (const carried of plan.carried) {
					out.push({
						json: {
							outcome: 'carried',
							reason: carried.reason,
							affiliateId: carried.affiliateId,
							currency: carried.currency,
							amount: carried.amount,
							period: plan.period,
							...(carried.minimum ? { minimum: carried.minimum } : {}),
							entryIds: carried.entries.map((entry) => entry.id),
						},
						pairedItem: { item: 0 },
					});
				}
				// Lines the plan could not read are shown, so the operator can find and settle them.
				for (const excluded of plan.excluded.filter((entry) => entry.reason === 'invalid_line')) {
					out.push({
						json: {
							outcome: 'invalid_line',
							entryId: excluded.entryId ?? null,
							reason: excluded.detail ?? 'This ledger line cannot be read.',
							period: plan.period,
						},
						pairedItem: { item: 0 },
					});
				}
				return [out];
			}

			const provider = this.getNodeParameter('provider', 0) as PayoutProviderId;
			if (!PAYOUT_PROVIDERS[provider]) throw new NodeOperationError(this.getNode(), `Unknown provider "${provider}"`);
			const context: PayoutContext = { store, provider, config: await providerConfig(this, provider), deps: n8nPayoutDeps(this) };

			if (operation === 'syncStatus') {
				const days = Number(options.paidSinceDays ?? 30);
				const reports = await syncPayouts(context, { paidSinceMs: days * 86_400_000 });
				return [reports.map((report) => reportItem(report, 0))];
			}

			if (operation === 'pay') {
				const { receivers, itemOf } = readReceivers(this, items);
				const result = await payDuePayouts(context, {
					rules: readRules(this),
					asOf: readAsOf(this),
					receivers,
					affiliateIds: listOption(options.affiliateIds),
					currencies: listOption(options.currencies),
					resumeAfterMs: Number(options.resumeAfterMinutes ?? 10) * 60_000,
					runLeaseMs: Math.max(1, Number(options.runLeaseMinutes ?? 15)) * 60_000,
					dryRun: Boolean(options.dryRun),
					...(options.note ? { note: String(options.note) } : {}),
					...(options.emailSubject ? { emailSubject: String(options.emailSubject) } : {}),
				});
				return [result.reports.map((report) => reportItem(report, itemOf.get(report.affiliateId) ?? 0))];
			}
			throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
		} catch (error) {
			if (this.continueOnFail()) return [[{ json: { error: (error as Error).message }, pairedItem: { item: 0 } }]];
			// A NodeOperationError passes through unchanged; anything else is wrapped.
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: 0 });
		}
	}
}

/** One statement per input item: the JSON lines plus CSV and HTML files an affiliate manager can send on. */
async function statements(context: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const store = await storeFor(context, 0);
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const affiliateId = String(context.getNodeParameter('statementAffiliateId', itemIndex, '') ?? '').trim();
			const currency = String(context.getNodeParameter('statementCurrency', itemIndex, 'USD') ?? '')
				.trim()
				.toUpperCase();
			const period = String(context.getNodeParameter('statementPeriod', itemIndex, '') ?? '').trim();
			if (!affiliateId) throw new NodeOperationError(context.getNode(), 'Affiliate ID is empty', { itemIndex });
			if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period))
				throw new NodeOperationError(context.getNode(), `Period must be a month as YYYY-MM, got "${period}"`, { itemIndex });
			const statement = await statementFor(store, { affiliateId, currency, period });
			const base = `statement-${affiliateId.replace(/[^\w.-]+/g, '_')}-${currency}-${period}`;
			out.push({
				json: statement as unknown as IDataObject,
				binary: {
					csv: await context.helpers.prepareBinaryData(Buffer.from(statementCsv(statement), 'utf8'), `${base}.csv`, 'text/csv'),
					html: await context.helpers.prepareBinaryData(Buffer.from(statementHtml(statement), 'utf8'), `${base}.html`, 'text/html'),
				},
				pairedItem: { item: itemIndex },
			});
		} catch (error) {
			if (context.continueOnFail()) {
				out.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
				continue;
			}
			throw new NodeOperationError(context.getNode(), error as Error, { itemIndex });
		}
	}
	return out;
}
