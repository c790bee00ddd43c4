import * as pulumi from "@pulumi/pulumi";

/**
 * The options of a component that used to sit at the top of the stack and now sits under one of the
 * two grouping components (ActiveDirectory, GmsaInCluster): its old URN, under the stack, is its
 * alias, and the engine carries that alias down to its children, so nothing is replaced.
 */
export const movedFromTopLevel: pulumi.ComponentResourceOptions = { aliases: [{ parent: pulumi.rootStackResource }] };
