// The walkthrough by hand (../manualWalkthrough.json), with the same figures for what AWS makes you
// wait for.
import type { Plan } from "../../planFile";
import manualWalkthroughData from "../manualWalkthrough.json";
import type { SecondsRange, Source } from "./data";
import { figuresRange } from "./rules";

/** The AWS walkthrough this project replaces (tools/review/manualWalkthrough.json). */
export const walkthroughSource: Source = manualWalkthroughData.source;

export interface ManualStep {
    /** The blog's step number; 0 for the prerequisite done before step 1. */
    number: number;
    /** The step as the EKS Best Practices Guide lists the blog's tasks (manualWalkthrough.json `blogTask`). */
    blogTask: string;
    title: string;
    /** Figure ids of what AWS (or Kubernetes) makes the person wait for. */
    waitingFigures: string[];
    waiting: SecondsRange;
    handsOnSeconds: number;
    /** What the hands-on time covers: an assumption, always. */
    handsOn: string;
}

export interface ManualModel {
    source: Source;
    includesDirectory: boolean;
    /** Creating the directory first (step 0), when the stack creates one; the blog assumes one exists. */
    prerequisite?: ManualStep;
    /** The blog's steps, numbered as the blog numbers them. */
    steps: ManualStep[];
    waitingSeconds: number;
    handsOnSeconds: number;
    totalSeconds: number;
    range: { lowSeconds: number; highSeconds: number };
    /** How the sequence is modelled. */
    assumptions: string[];
}

interface ManualStepSpec {
    blogTask: string;
    title: string;
    waitingFigures: string[];
    handsOnMinutes: number;
    handsOn: string;
}

function manualStep(spec: ManualStepSpec, number: number): ManualStep {
    return {
        number,
        blogTask: spec.blogTask,
        title: spec.title,
        waitingFigures: spec.waitingFigures,
        waiting: figuresRange(spec.waitingFigures),
        handsOnSeconds: spec.handsOnMinutes * 60,
        handsOn: spec.handsOn,
    };
}

/** The blog's steps in order, one after the other; with `createDirectory`, creating the directory first. */
export function manualWalkthroughModel(options: { createDirectory?: boolean } = {}): ManualModel {
    const createDirectory = options.createDirectory ?? true;
    const steps = manualWalkthroughData.steps.map((spec) => manualStep(spec, spec.number));
    const prerequisite = createDirectory ? manualStep(manualWalkthroughData.prerequisite, 0) : undefined;
    const all = prerequisite ? [prerequisite, ...steps] : steps;
    const sum = (f: (s: ManualStep) => number) => all.reduce((total, s) => total + f(s), 0);
    const handsOnSeconds = sum((s) => s.handsOnSeconds);
    return {
        source: walkthroughSource,
        includesDirectory: createDirectory,
        ...(prerequisite ? { prerequisite } : {}),
        steps,
        waitingSeconds: sum((s) => s.waiting.mid),
        handsOnSeconds,
        totalSeconds: sum((s) => s.waiting.mid) + handsOnSeconds,
        range: { lowSeconds: sum((s) => s.waiting.low) + handsOnSeconds, highSeconds: sum((s) => s.waiting.high) + handsOnSeconds },
        assumptions: [
            "one person, one step after the other, as the blog presents them (nobody starts eksctl while the directory is being created)",
            "waiting times are the same figures the plan model uses; hands-on minutes are assumptions for someone who knows the tools, without mistakes or retries",
            `the blog's ${steps.length} steps as ${manualWalkthroughData.stepListSource.title} lists them`,
        ],
    };
}

/** The walkthrough comparable to a plan: creating a directory first when the plan creates one. */
export function manualWalkthroughFor(plan: Plan): ManualModel {
    return manualWalkthroughModel({ createDirectory: plan.resources.some((r) => r.type === "aws:directoryservice/directory:Directory") });
}
