import type { INodeProperties } from 'n8n-workflow';
import { defaultCountryProperty, overrideFieldsProperty, valueFromProperty } from '../shared/destination-node';

export const ga4MeasurementProtocolProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. GA4 accepts every request silently, so events GA4 would drop (too old, bad names, reversals) are held back here and leave on Failed with the reason under "forward". Click Tracker clicks are not sent.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Measurement ID',
		name: 'measurementId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'G-XXXXXXXXXX',
		description:
			'The Measurement ID of the GA4 web stream (Admin → Data streams → the stream), not the stream ID. The API secret in the credential must belong to this stream.',
	},
	{
		displayName: 'Client ID',
		name: 'clientId',
		type: 'string',
		default: '',
		placeholder: '1234567890.1717236000',
		description:
			"The visitor's GA client ID (from the _ga cookie, e.g. through an expression) so the conversion joins their GA4 session. Empty: a stable ID derived from the matched click (or the transaction), which GA4 counts as a user of its own.",
	},
	{
		displayName: 'Validate Only (Debug Endpoint)',
		name: 'validateOnly',
		type: 'boolean',
		default: false,
		description:
			"Whether to send to GA4's validation server (/debug/mp/collect) instead: nothing is recorded, and each event GA4 would refuse leaves on Failed with GA4's message. Turn off in production.",
	},
	valueFromProperty,
	defaultCountryProperty('GA4', 'them in E.164, with +'),
	overrideFieldsProperty({
		platformName: 'GA4',
		eventNameExample: 'purchase, generate_lead, sign_up… or a custom name: a letter first, then letters, digits and underscores, at most 40 characters',
		timeUnit: 'microseconds, at most 72 hours back',
	}),
];
