import './n8n-env';
import { Workflow } from 'n8n-workflow';
import { TRIGGER_NAME, buildWorkflowData, nodeTypes, removeN8nUserFolder } from './harness';

afterAll(removeN8nUserFolder);

/** Resolves the trigger's "Postback URL to Paste" preview the way the editor does: n8n's own expression engine. */
function previewFor(parameters: Record<string, unknown>): unknown {
	const data = buildWorkflowData({ parameters: { network: 'custom', ...parameters } });
	const workflow = new Workflow({
		id: data.id,
		name: data.name,
		nodes: data.nodes,
		connections: data.connections,
		active: false,
		nodeTypes,
		settings: data.settings,
	});
	const node = workflow.getNode(TRIGGER_NAME)!;
	return workflow.expression.getParameterValue(node.parameters.customPostbackUrl, null, 0, 0, TRIGGER_NAME, [], 'manual', {});
}

describe('Custom network: the postback URL preview in the node panel', () => {
	test('with the default placeholders it shows the standard parameters', () => {
		expect(previewFor({ path: 'custom' })).toBe(
			'[your n8n URL]/webhook/custom?click_id={click_id}&commission={commission}&currency={currency}&transaction_id={transaction_id}',
		);
	});

	test("it follows the operator's placeholders (HasOffers macros) and path", () => {
		expect(
			previewFor({
				path: 'hasoffers',
				customPlaceholders: { click_id: '{aff_sub}', commission: '{payout}', event_name: 'CompleteRegistration' },
			}),
		).toBe('[your n8n URL]/webhook/hasoffers?click_id={aff_sub}&commission={payout}&event_name=CompleteRegistration');
	});
});
