// A config secret held in the settings object. It never prints: string conversion, JSON and
// inspection all show "[secret]"; components unwrap it straight into pulumi.secret().
import { inspect } from "util";

export class SecretValue {
    readonly #value: string;

    constructor(value: string) {
        this.#value = value;
    }

    /** The plain value, for pulumi.secret() only. */
    reveal(): string {
        return this.#value;
    }

    toString(): string {
        return "[secret]";
    }

    toJSON(): string {
        return "[secret]";
    }

    [inspect.custom](): string {
        return "[secret]";
    }
}
