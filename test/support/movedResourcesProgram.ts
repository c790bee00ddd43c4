// A small Pulumi program in two shapes, for test/architecture-aliases.test.ts: "before", and
// "after" a restructuring that moves a component under a new parent, renames one and changes
// another's type, each with an alias on the component only (its children inherit it, as in the
// engine). Config: alias-test:shape = before | after.
import * as pulumi from "@pulumi/pulumi";

class Thing extends pulumi.CustomResource {
    constructor(name: string, opts: pulumi.CustomResourceOptions) {
        super("test:index:Thing", name, { size: 1 }, opts);
    }
}

/** A component whose children are named from its name (`${name}-thing`, `${name}-inner`). */
class Part extends pulumi.ComponentResource {
    constructor(type: string, name: string, nested: boolean, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        new Thing(`${name}-thing`, { parent: this });
        if (nested) new Part("test:index:Inner", `${name}-inner`, false, { parent: this });
        this.registerOutputs({});
    }
}

const shape = new pulumi.Config().require("shape");
if (shape === "before") {
    new Part("test:index:Part", "part", true);
    new Part("test:index:Named", "renamed-old", true);
    new Part("test:index:OldKind", "retyped", false);
} else {
    const group = new Part("test:index:Group", "group", false);
    new Part("test:index:Part", "part", true, { parent: group, aliases: [{ parent: pulumi.rootStackResource }] });
    new Part("test:index:Named", "renamed-new", true, { aliases: [{ name: "renamed-old" }] });
    new Part("test:index:NewKind", "retyped", false, { aliases: [{ type: "test:index:OldKind" }] });
}
