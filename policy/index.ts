// The eks-gmsa policy pack. Only assembles the PolicyPack: the policies live in ./policies, so
// tests can import them without starting a gRPC server (constructing a PolicyPack serves it).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("eks-gmsa", { enforcementLevel: "mandatory", policies });
