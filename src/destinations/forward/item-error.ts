import { SettingError } from '../definition';

/**
 * An item that cannot be forwarded, with its index: the node shows `message` for that item (n8n's itemIndex)
 * and `description`, when given, as the hint. A SettingError, so everything that reads an item speaks one error.
 */
export class ItemError extends SettingError {
	constructor(
		message: string,
		readonly itemIndex: number,
		description?: string,
	) {
		super(message, description);
		this.name = 'ItemError';
	}
}
