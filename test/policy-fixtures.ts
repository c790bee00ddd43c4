// The pack's plan fixtures live with the tooling (tools/policy/planFixtures.ts), where bench:policy
// uses them too; the tests import them from here.
export * from "../tools/policy/planFixtures";
