import type { PartnerPreset, PartnerPresetId } from '../types';
import { aspire } from './aspire';
import { custom } from './custom';
import { everflow } from './everflow';
import { keitaro } from './keitaro';
import { pap } from './pap';
import { voluum } from './voluum';

/** Every partner preset, in the order the node's dropdown shows them. Adding a partner: one module, one line here. */
export const PARTNER_PRESETS: readonly PartnerPreset[] = [aspire, pap, everflow, voluum, keitaro, custom];

const byId = new Map<string, PartnerPreset>(PARTNER_PRESETS.map((preset) => [preset.id, preset]));

export function getPartnerPreset(id: string): PartnerPreset | undefined {
	return byId.get(id);
}

export const partnerPresetIds = PARTNER_PRESETS.map((preset) => preset.id) as readonly PartnerPresetId[];

export { aspire, custom, everflow, keitaro, pap, voluum };
