/**
 * Issue 16: the Funnel queues each conversion it decides for the destination nodes wired straight to the output it
 * leaves on, in the redelivery outbox, before its dedup claims complete; and it settles the intake journal entry
 * (src/destinations/intake-journal.ts) of each journaled postback once decided. Together with the journal this
 * leaves no gap in which a run can die and lose a conversion: before the Funnel decided it, the journal entry
 * brings the postback back; after, the destinations' entries bring the conversion to them.
 *
 * Only destinations connected directly to the output are queued: a node in between (an IF, a Filter, a Set) may
 * drop or change the item, and a redelivery must never send what the workflow would not have. Such a destination
 * writes its own entry when it runs, as before.
 */
import type { IExecuteFunctions, INode, IConnections } from 'n8n-workflow';
import { DESTINATIONS, type Platform } from '../../src/destinations';
import { postbackDestination } from '../../src/partners/outbox';

/** The part of n8n's Workflow a node can read (n8n-core's execution context keeps it as `workflow`). */
interface WorkflowView {
	nodes: Record<string, INode>;
	connectionsBySourceNode: IConnections;
}

function workflowOf(context: IExecuteFunctions): WorkflowView | undefined {
	const workflow = (context as unknown as { workflow?: Partial<WorkflowView> }).workflow;
	if (!workflow || typeof workflow.nodes !== 'object' || typeof workflow.connectionsBySourceNode !== 'object') return undefined;
	return workflow as WorkflowView;
}

/** Node type names (the part after the package) of the platform nodes, by platform. */
const PLATFORM_BY_NODE_TYPE = new Map<string, Platform>(
	(Object.keys(DESTINATIONS) as Platform[]).map((platform) => [DESTINATIONS[platform].node.name, platform]),
);

const typeName = (type: string) => type.slice(type.lastIndexOf('.') + 1);
const isExpression = (value: unknown) => typeof value === 'string' && value.startsWith('=');

/** Where a node keeps its tracking store: equal keys, one store. */
function storeKey(node: INode): string {
	const parameters = node.parameters ?? {};
	const kind = typeof parameters.store === 'string' ? parameters.store : 'sqlite';
	if (kind === 'postgres') return `postgres:${node.credentials?.postbackStorePostgresApi?.id ?? ''}`;
	return `sqlite:${typeof parameters.sqlitePath === 'string' ? parameters.sqlitePath.trim() : ''}`;
}

/**
 * The outbox destination a node settles, when it is a destination node whose outbox is the Funnel's: its
 * conversion log on (the default) in the same tracking store. Undefined for any other node, and for a Send
 * Postback whose target name is an expression (known only per item).
 */
function outboxDestinationOf(node: INode, funnelStore: string): string | undefined {
	if (node.disabled) return undefined;
	const parameters = node.parameters ?? {};
	if (parameters.conversionLog === false || storeKey(node) !== funnelStore) return undefined;
	const type = typeName(node.type);
	const platform = PLATFORM_BY_NODE_TYPE.get(type);
	if (platform) return platform;
	if (type !== 'sendPostback') return undefined;
	const target = (parameters.options as { target?: unknown } | undefined)?.target;
	if (isExpression(target) || isExpression(parameters.preset)) return undefined;
	const template = typeof parameters.urlTemplate === 'string' ? parameters.urlTemplate : '';
	return postbackDestination(typeof parameters.preset === 'string' ? parameters.preset : 'custom', template, typeof target === 'string' ? target : undefined);
}

/** The outbox destinations of the destination nodes wired straight to each of the Funnel's outputs. */
export function destinationsByOutput(context: IExecuteFunctions, outputs: number): string[][] {
	const workflow = workflowOf(context);
	const self = context.getNode();
	const byOutput: string[][] = Array.from({ length: outputs }, () => []);
	if (!workflow) return byOutput;
	const funnelStore = storeKey(workflow.nodes[self.name] ?? self);
	const main = workflow.connectionsBySourceNode[self.name]?.main ?? [];
	for (let output = 0; output < outputs; output++) {
		const names = new Set<string>();
		for (const connection of main[output] ?? []) {
			const node = workflow.nodes[connection.node];
			const destination = node && outboxDestinationOf(node, funnelStore);
			if (destination) names.add(destination);
		}
		byOutput[output] = [...names].sort();
	}
	return byOutput;
}
