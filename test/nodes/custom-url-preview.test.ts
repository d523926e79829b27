import './n8n-env';
import {
	type INodeParameters,
	type IWebhookDescription,
	NodeHelpers,
	Workflow,
	resolveWebhookDescriptionField,
	webhookDescriptionIsNativelyResolvable,
} from 'n8n-workflow';
import { TRIGGER_NAME, TRIGGER_WEBHOOK_ID, buildWorkflowData, getNodeWebhooks, nodeTypes, removeN8nUserFolder } from './harness';
import { PostbackTrigger } from '../../nodes/PostbackTrigger/PostbackTrigger.node';
import { customPostbackUrl, listNetworks } from '../../src/networks';

afterAll(removeN8nUserFolder);

const BASE = 'https://n8n.example.com/webhook';
const webhooks = new PostbackTrigger().description.webhooks!;
/** The entry the editor lists under "Webhook URLs" with the postback URL to paste (the one without a method). */
const pasteEntry = webhooks.find((webhook) => webhook.httpMethod === '')!;

/** The trigger's node as n8n builds it (parameters with their defaults), version 2. */
function triggerNode(parameters: Record<string, unknown>) {
	const data = buildWorkflowData({ typeVersion: 2, parameters: parameters as INodeParameters });
	const workflow = new Workflow({
		id: data.id,
		name: data.name,
		nodes: data.nodes,
		connections: data.connections,
		active: false,
		nodeTypes,
		settings: data.settings,
	});
	return { workflow, node: workflow.getNode(TRIGGER_NAME)! };
}

/** A field as the editor gets it: n8n's own expression engine on the template (the editor never sees the resolvers). */
function editorValue(parameters: Record<string, unknown>, field: string): unknown {
	const { workflow, node } = triggerNode(parameters);
	return workflow.expression.getSimpleParameterValue(node, pasteEntry[field], 'internal', {});
}

/** The URL the editor shows for the entry, built like its NodeWebhooks panel (getNodeWebhookUrl), or undefined when hidden. */
function shownUrl(parameters: Record<string, unknown>): string | undefined {
	const { workflow, node } = triggerNode(parameters);
	if (editorValue(parameters, 'ndvHideUrl') === true) return undefined;
	return NodeHelpers.getNodeWebhookUrl(BASE, workflow.id, node, String(editorValue(parameters, 'path')), editorValue(parameters, 'isFullPath') === true);
}

const secretUrl = (path: string) => `${BASE}/${TRIGGER_WEBHOOK_ID}/${path}`;

describe('the postback URL to paste, listed under Webhook URLs in the node panel', () => {
	test('Custom, as a new trigger: the secret Production URL with the standard placeholders', () => {
		expect(shownUrl({ network: 'custom', path: 'custom' })).toBe(
			`${secretUrl('custom')}?click_id={click_id}&commission={commission}&currency={currency}&transaction_id={transaction_id}`,
		);
	});

	test("Custom follows the operator's placeholders (HasOffers macros, an emptied one left out) and path", () => {
		const placeholders = { click_id: ' {aff_sub} ', commission: '{payout}', currency: '', event_name: 'CompleteRegistration' };
		const url = shownUrl({ network: 'custom', path: 'hasoffers', customPlaceholders: placeholders });
		expect(url).toBe(`${secretUrl('hasoffers')}?click_id={aff_sub}&commission={payout}&event_name=CompleteRegistration`);
		// The same URL the package builds for a custom sender (src/networks).
		expect(url).toBe(customPostbackUrl(secretUrl('hasoffers'), placeholders));
	});

	test('without the secret URL it is the plain path; a secret in the path keeps its :secret segment', () => {
		expect(shownUrl({ network: 'custom', path: 'c1', authentication: 'none', customPlaceholders: { click_id: '{s1}' } })).toBe(`${BASE}/c1?click_id={s1}`);
		expect(shownUrl({ network: 'custom', path: 'c2', authentication: 'postbackAuthApi', secretInPath: true, customPlaceholders: { click_id: '{s1}' } })).toBe(
			`${BASE}/${TRIGGER_WEBHOOK_ID}/c2/:secret?click_id={s1}`,
		);
	});

	test('Custom with every placeholder emptied shows no paste URL', () => {
		expect(shownUrl({ network: 'custom', path: 'c', customPlaceholders: {} })).toBeUndefined();
		expect(shownUrl({ network: 'custom', path: 'c', customPlaceholders: { click_id: '  ' } })).toBeUndefined();
	});

	test.each(listNetworks().filter((network) => network.id !== 'custom'))('$name: the URL in its own macro syntax', (network) => {
		const expected = network.postbackUrlTemplate(secretUrl(network.id));
		// A network given the bare URL (ClickBank) needs no second entry: the Production URL above is the one.
		expect(shownUrl({ network: network.id, path: network.id })).toBe(expected === secretUrl(network.id) ? undefined : expected);
	});

	test('the editor (expression engine) and n8n (native resolvers) compute the same fields', () => {
		const cases: Array<Record<string, unknown>> = [
			...listNetworks().map((network) => ({ network: network.id, path: `p-${network.id}` })),
			{ network: 'custom', path: 'x', customPlaceholders: { click_id: '{{sub1}}', amount: '[amount]', commission: '}}' } },
			{ network: 'custom', path: 'x', customPlaceholders: { click_id: 'it\'s "quoted" \\ {x}' } },
			{ network: 'custom', path: 'y', authentication: 'postbackAuthApi', secretInPath: true },
			{ network: 'custom', path: 'z', customPlaceholders: {} },
		];
		for (const parameters of cases) {
			const { node } = triggerNode(parameters);
			for (const field of ['path', 'isFullPath', 'httpMethod', 'ndvHideUrl']) {
				const native = resolveWebhookDescriptionField(node, pasteEntry, field);
				expect({ parameters, field, native }).toEqual({ parameters, field, native: { resolved: true, value: editorValue(parameters, field) } });
			}
		}
	});
});

describe('no postback evaluates an expression for the trigger', () => {
	test.each(['custom', 'shareasale', 'impact'])('network %s: static parameters, every webhook field resolved natively', (network) => {
		const { node } = triggerNode({ network, path: `p-${network}` });
		expect(JSON.stringify(node.parameters)).not.toMatch(/"=/);
		for (const webhook of webhooks) {
			expect(webhookDescriptionIsNativelyResolvable(webhook)).toBe(true);
			for (const field of Object.keys(webhook).filter((key) => typeof webhook[key] === 'string' && String(webhook[key]).startsWith('='))) {
				expect(resolveWebhookDescriptionField(node, webhook, field)).toMatchObject({ resolved: true });
			}
		}
	});

	test('n8n registers GET and POST only, evaluating no template: the paste URL entry adds no webhook', () => {
		const { workflow, node } = triggerNode({ network: 'custom', path: 'custom' });
		const evaluate = jest.spyOn(workflow.expression, 'getSimpleParameterValue');
		const registered = getNodeWebhooks(workflow, node, {} as never);
		expect(registered.map((webhook) => `${webhook.httpMethod} ${webhook.path}`).sort()).toEqual([
			`GET ${TRIGGER_WEBHOOK_ID}/custom`,
			`POST ${TRIGGER_WEBHOOK_ID}/custom`,
		]);
		expect(registered.every((webhook) => (webhook.webhookDescription as IWebhookDescription) !== pasteEntry)).toBe(true);
		// n8n hands it the static methods ("GET", "POST") as before; never a template.
		expect(evaluate.mock.calls.map((call) => call[1]).filter((value) => typeof value !== 'string' || value.startsWith('='))).toEqual([]);
	});
});
