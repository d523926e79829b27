import './n8n-env';
import { Workflow } from 'n8n-workflow';
import { TRIGGER_NAME, buildWorkflowData, nodeTypes, removeN8nUserFolder } from './harness';
import { PostbackTrigger } from '../../nodes/PostbackTrigger/PostbackTrigger.node';
import { type INodeParameters, resolveWebhookDescriptionField } from 'n8n-workflow';

afterAll(removeN8nUserFolder);

/** The trigger's node as n8n builds it for a run (parameters with their defaults). */
function triggerNode(parameters: Record<string, unknown>) {
	const data = buildWorkflowData({ parameters: parameters as INodeParameters });
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

/** Resolves the Path hint of the Custom preset (the postback URL to paste) the way the editor does: n8n's own expression engine. */
function previewFor(parameters: Record<string, unknown>): unknown {
	const { workflow } = triggerNode({ network: 'custom', ...parameters });
	const path = new PostbackTrigger().description.properties.find((property) => property.name === 'path' && property.displayOptions?.show?.network);
	return workflow.expression.getParameterValue(path!.hint!, null, 0, 0, TRIGGER_NAME, [], 'manual', {});
}

describe('Custom network: the postback URL preview in the node panel', () => {
	test('with the default placeholders it shows the standard parameters', () => {
		expect(previewFor({ path: 'custom' })).toBe(
			'Postback URL to paste: [your n8n URL]/webhook/custom?click_id={click_id}&commission={commission}&currency={currency}&transaction_id={transaction_id}',
		);
	});

	test("it follows the operator's placeholders (HasOffers macros) and path", () => {
		expect(
			previewFor({
				path: 'hasoffers',
				customPlaceholders: { click_id: '{aff_sub}', commission: '{payout}', event_name: 'CompleteRegistration' },
			}),
		).toBe('Postback URL to paste: [your n8n URL]/webhook/hasoffers?click_id={aff_sub}&commission={payout}&event_name=CompleteRegistration');
	});
});

describe("the trigger's parameters hold no expression, so n8n resolves its webhook natively", () => {
	test.each(['custom', 'shareasale', 'impact'])('network %s: every parameter is static and the path resolves without the expression engine', (network) => {
		const { node } = triggerNode({ network, path: `p-${network}` });
		expect(JSON.stringify(node.parameters)).not.toMatch(/"=/);
		for (const webhook of new PostbackTrigger().description.webhooks!) {
			expect(resolveWebhookDescriptionField(node, webhook, 'path')).toEqual({ resolved: true, value: `p-${network}` });
		}
	});
});
