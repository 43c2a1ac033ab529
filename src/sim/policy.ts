import type { Task } from "../schema/task.js";
import { mutationsOf, sourceLanguage } from "../synth/mutate.js";
import { isTestFile } from "../synth/synth.js";
import { type FileEdit, parseUnifiedDiff } from "./patch.js";

/**
 * The simulated teacher's policy: a noisy expert that knows the task's gold patch. It explores,
 * opens a file, may reproduce the issue with the task's tests, edits, may run the tests and
 * finishes; at each of its decision points it may err with a configurable probability. Every
 * choice, and which mistake doomed the episode, is recorded: the ground truth the method check
 * compares critical pairs with.
 *
 * The policy is a generator fed with the observations of its own actions, so the provider can
 * replay it from the conversation at every turn (stateless, deterministic for a seed).
 */

/** Probabilities of the simulator's choices (each in [0, 1]). */
export interface SimConfig {
  /** Open (and later edit) a wrong source file instead of the one the bug is in. */
  wrongPlace: number;
  /** Write the tests into the workspace and run them before editing. */
  reproduce: number;
  /** Give up (finish without an edit) when it reaches the edit step. */
  giveUp: number;
  /** Get stuck repeating its last look at the file (the runner's stuck rule ends the episode). */
  repeat: number;
  /** Finish right after editing, without running the tests. */
  finishEarly: number;
  /** When the tests fail after its edit: undo it and fix the right place (else finish anyway). */
  recover: number;
  /*
   * Realism (docs/simulator.md; all 0 by default, `realistic=1` turns them on together): what
   * real models do that exact-match merging of trees does not expect. None of them changes a
   * decision or the ground truth; each draws only when above 0, so the defaults play as before.
   */
  /** Spell an action another, equivalent way (`cat -n f` or `sed -n` for the editor's view, `cd ROOT && T`). */
  spelling: number;
  /** Word the thought beside an action differently. */
  reword: number;
  /** Make a command print volatile values (timings with `time`, a temporary path). */
  volatile: number;
  /** Issue two tool calls in one turn (`git diff` beside the test run). */
  parallel: number;
}

export const DEFAULT_SIM_CONFIG: SimConfig = {
  wrongPlace: 0.35,
  reproduce: 0.6,
  giveUp: 0.08,
  repeat: 0.06,
  finishEarly: 0.25,
  recover: 0.5,
  spelling: 0,
  reword: 0,
  volatile: 0,
  parallel: 0,
};

/** The realism settings `realistic=1` stands for. */
export const REALISTIC_SIM_SETTINGS: Pick<SimConfig, "spelling" | "reword" | "volatile" | "parallel"> = {
  spelling: 0.3,
  reword: 0.5,
  volatile: 0.3,
  parallel: 0.3,
};

/** The decision points of the policy, in the order they come up. */
export type DecisionName = "locate" | "reproduce" | "repeat" | "give_up" | "test" | "recover";

/** One choice the policy made. */
export interface SimDecision {
  name: DecisionName;
  /** What it chose, e.g. "right-file" / "wrong-file". */
  choice: string;
  /** True when the choice is one of the simulator's mistakes. */
  mistake: boolean;
}

/** One action of the policy: a tool call, the thought beside it, and the decision it carries. */
export interface SimAction {
  tool: "execute_bash" | "str_replace_editor" | "finish";
  arguments: Record<string, unknown>;
  thought: string;
  /** Further tool calls of the same turn (`parallel`), after this one; the policy reads only this one's observation. */
  also?: { tool: "execute_bash"; arguments: Record<string, unknown> }[];
  decision?: SimDecision;
  /** On `finish`: what the simulator expects (it knows the gold patch) and which turn doomed it. */
  outcome?: { expected_resolved: boolean; fatal_turn: number | null; fatal_decision: DecisionName | null };
}

/** A pseudo-random source in [0, 1). */
export type Random = () => number;

/** Deterministic PRNG (mulberry32) seeded from the episode seed and the task id. */
export function seededRandom(seed: number, salt: string): Random {
  let state = seed >>> 0;
  for (let i = 0; i < salt.length; i++) state = Math.imul(state ^ salt.charCodeAt(i), 0x9e3779b1) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exit code in an execute_bash observation, or null when it has none. */
export function exitCodeOf(observation: string): number | null {
  const match = /exit code (-?\d+)/.exec(observation);
  return match ? Number(match[1]) : null;
}

/** Thrown when the task gives the simulator nothing to imitate (no gold patch). */
export class SimTaskError extends Error {}

const EXPLORE = "pwd && find . -type f -not -path './.git/*' -not -path '*/node_modules/*' | sort";
/** The same listing, spelled another way (the `spelling` setting). */
const EXPLORE_RESPELLED = "pwd; find . -not -path './.git/*' -not -path '*/node_modules/*' -type f | sort";

/** Other wordings of a thought (the `reword` setting). */
const REWORDINGS: ((thought: string) => string)[] = [
  (t) => `Next, ${t.charAt(0).toLowerCase()}${t.slice(1)}`,
  (t) => `${t} Let's see.`,
  (t) => `OK. ${t}`,
];

/**
 * The realism settings as rewrites of an action's surface: another spelling of the same
 * command, another wording of the thought, volatile output. Each draws from the policy's stream
 * only when its setting is above 0.
 */
class Surface {
  constructor(
    private readonly config: SimConfig,
    private readonly random: Random,
  ) {}

  private chance(p: number): boolean {
    return p > 0 && this.random() < p;
  }

  thought(thought: string): string {
    if (!this.chance(this.config.reword)) return thought;
    return REWORDINGS[Math.floor(this.random() * REWORDINGS.length)]!(thought);
  }

  explore(): string {
    const command = this.chance(this.config.spelling) ? EXPLORE_RESPELLED : EXPLORE;
    // a temporary path in the output (the tree's normalisation maps /tmp/... to <tmp>)
    return this.chance(this.config.volatile) ? `${command}; echo "scratch: $(mktemp -u)"` : command;
  }

  /** Reading a file: the editor's view, or `cat -n` / `sed -n` in the shell. */
  view(path: string): Pick<SimAction, "tool" | "arguments"> {
    if (!this.chance(this.config.spelling))
      return { tool: "str_replace_editor", arguments: { command: "view", path } };
    const command = this.random() < 0.5 ? `cat -n ${path}` : `sed -n '1,400p' ${path}`;
    return { tool: "execute_bash", arguments: { command } };
  }

  /** A test run: as given, from the workspace root, and/or timed. */
  tests(command: string, root: string): string {
    const spelled = this.chance(this.config.spelling) ? `cd ${root} && ${command}` : command;
    return this.chance(this.config.volatile) ? `time ${spelled}` : spelled;
  }

  /** `git diff` beside the test run, in the same turn. */
  alongside(): SimAction["also"] {
    return this.chance(this.config.parallel)
      ? [{ tool: "execute_bash", arguments: { command: "git diff --stat" } }]
      : undefined;
  }
}

/**
 * The policy as a generator: yields actions, receives each action's observation text. Its
 * random draws happen in a fixed order, so the same seed and the same observations give the
 * same episode.
 */
export function* simPolicy(
  task: Task,
  config: SimConfig,
  random: Random,
): Generator<SimAction, void, string> {
  const edits = parseUnifiedDiff(task.patch ?? "").filter(
    (e) => e.hunks.length > 0 || e.created || e.deleted,
  );
  if (edits.length === 0) throw new SimTaskError(`task ${task.instance_id} has no gold patch to imitate`);
  const target = edits.find((e) => !e.created && !e.deleted) ?? edits[0]!;
  let turn = 0;
  /**
   * Mistakes that could have been avoided: the other option had a chance. The last of them on a
   * failed episode is its fatal decision (a forced mistake, probability 1, dooms nothing by itself).
   */
  const mistakes: { turn: number; name: DecisionName }[] = [];
  let erred = false;
  const mistake = (name: DecisionName, alternativePossible: boolean) => {
    erred = true;
    if (alternativePossible) mistakes.push({ turn, name });
  };

  const surface = new Surface(config, random);
  const listing = yield {
    tool: "execute_bash",
    arguments: { command: surface.explore() },
    thought: surface.thought("Let me look at the repository layout first."),
  };
  turn++;
  const lines = listing.split("\n").map((l) => l.trim());
  const root = lines.find((l) => l.startsWith("/")) ?? "/workspace";
  const abs = (path: string) => `${root.replace(/\/$/, "")}/${path}`;
  const listed = lines.filter((l) => l.startsWith("./")).map((l) => l.slice(2));
  const patched = new Set(edits.map((e) => e.path));

  // Wrong places: other source files with a mutation whose line is unique in the file.
  const wrongPlaces = listed
    .filter(
      (p) => !patched.has(p) && sourceLanguage(p) !== null && !isTestFile(p) && task.files?.[p] !== undefined,
    )
    .map((p) => {
      const content = task.files![p]!;
      const options = mutationsOf(p, content, sourceLanguage(p)!).filter(
        (m) => content.split(m.before).length === 2 && m.before.trim().length > 0,
      );
      return { path: p, options };
    })
    .filter((w) => w.options.length > 0);

  // --- decision: where to look
  const wrong = wrongPlaces.length > 0 && random() < config.wrongPlace;
  const place = wrong ? wrongPlaces[Math.floor(random() * wrongPlaces.length)]! : null;
  const viewPath = place ? place.path : target.path;
  const viewAction: SimAction = {
    ...surface.view(abs(viewPath)),
    thought: surface.thought(`The issue most likely comes from ${viewPath}; let me read it.`),
    decision: { name: "locate", choice: wrong ? "wrong-file" : "right-file", mistake: wrong },
  };
  if (wrong) mistake("locate", config.wrongPlace < 1);
  yield viewAction;
  turn++;

  // --- decision: reproduce with the tests first
  const testCommand = task.test_command;
  const reproduce = random() < config.reproduce && testCommand !== undefined;
  if (reproduce) {
    let first = true;
    for (const [path, content] of Object.entries(task.test_files ?? {})) {
      if (listed.includes(path)) continue; // already in the repository
      yield {
        tool: "str_replace_editor",
        arguments: { command: "create", path: abs(path), file_text: content },
        thought: surface.thought("I will write tests that reproduce the reported behaviour."),
        ...(first ? { decision: { name: "reproduce" as const, choice: "reproduce", mistake: false } } : {}),
      };
      turn++;
      first = false;
    }
    yield {
      tool: "execute_bash",
      arguments: { command: surface.tests(testCommand, root) },
      thought: surface.thought("Run the tests to see the failure."),
      ...(first ? { decision: { name: "reproduce" as const, choice: "reproduce", mistake: false } } : {}),
    };
    turn++;
  }

  // --- decision: get stuck re-reading the file
  if (random() < config.repeat) {
    const again: SimAction = {
      ...viewAction,
      thought: "Let me read the file again.",
      decision: { name: "repeat", choice: "repeat", mistake: true },
    };
    mistake("repeat", config.repeat < 1);
    // The runner's stuck rule ends the episode; without one, the loop runs to the turn limit.
    for (;;) {
      yield again;
      turn++;
      again.decision = undefined;
    }
  }

  let lastRecovered = false;
  const finish = (message: string, decision?: SimDecision): SimAction => {
    const resolved = !erred || lastRecovered;
    const fatal = resolved ? null : (mistakes.at(-1) ?? null);
    return {
      tool: "finish",
      arguments: { message },
      thought: message,
      ...(decision ? { decision } : {}),
      outcome: {
        expected_resolved: resolved,
        fatal_turn: fatal?.turn ?? null,
        fatal_decision: fatal?.name ?? null,
      },
    };
  };

  // --- decision: give up
  if (!wrong && random() < config.giveUp) {
    mistake("give_up", config.giveUp < 1);
    yield finish("I could not find the cause of this bug; stopping here.", {
      name: "give_up",
      choice: "give-up",
      mistake: true,
    });
    return;
  }

  // --- the edit
  if (place) {
    const mutation = place.options[Math.floor(random() * place.options.length)]!;
    yield {
      tool: "str_replace_editor",
      arguments: {
        command: "str_replace",
        path: abs(place.path),
        old_str: mutation.before,
        new_str: mutation.after,
      },
      thought: surface.thought("This line looks wrong; changing it should fix the issue."),
    };
    turn++;
  } else {
    turn += yield* rightEdits(edits, target.path, abs);
  }

  // --- decision: test before finishing
  if (random() < config.finishEarly) {
    if (wrong) mistake("test", config.finishEarly < 1);
    yield finish("I fixed the bug.", { name: "test", choice: "finish-untested", mistake: wrong });
    return;
  }
  const also = surface.alongside();
  const testRun = yield {
    tool: "execute_bash",
    arguments: { command: testCommand === undefined ? "git diff" : surface.tests(testCommand, root) },
    thought: surface.thought("Run the tests to check the fix."),
    decision: { name: "test", choice: "run-tests", mistake: false },
    ...(also ? { also } : {}),
  };
  turn++;
  const failing = testCommand !== undefined && exitCodeOf(testRun) !== 0;
  if (!failing) {
    yield finish("The tests pass; the bug is fixed.");
    return;
  }

  // --- decision: recover from failing tests
  if (random() < config.recover && place) {
    yield {
      tool: "str_replace_editor",
      arguments: { command: "undo_edit", path: abs(place.path) },
      thought: "My change did not help; let me undo it and look elsewhere.",
      decision: { name: "recover", choice: "recover", mistake: false },
    };
    turn++;
    yield {
      ...surface.view(abs(target.path)),
      thought: surface.thought(`Let me read ${target.path} instead.`),
    };
    turn++;
    turn += yield* rightEdits(edits, target.path, abs);
    yield {
      tool: "execute_bash",
      arguments: { command: surface.tests(testCommand!, root) },
      thought: surface.thought("Run the tests again."),
    };
    turn++;
    lastRecovered = true;
    yield finish("The tests pass now; the bug is fixed.");
    return;
  }
  if (place) mistake("recover", config.recover > 0);
  yield finish("The remaining failures look unrelated to the issue; done.", {
    name: "recover",
    choice: "finish-failing",
    mistake: place !== null,
  });
}

/** The gold patch as editor actions (viewing each further file first). Returns the turns used. */
function* rightEdits(
  edits: FileEdit[],
  viewed: string,
  abs: (path: string) => string,
): Generator<SimAction, number, string> {
  let turns = 0;
  for (const edit of edits) {
    if (edit.deleted) {
      yield {
        tool: "execute_bash",
        arguments: { command: `rm ${edit.path}` },
        thought: `Remove ${edit.path}.`,
      };
      turns++;
      continue;
    }
    if (edit.created) {
      yield {
        tool: "str_replace_editor",
        arguments: {
          command: "create",
          path: abs(edit.path),
          file_text: edit.hunks.map((h) => h.newText).join("\n"),
        },
        thought: `Create ${edit.path}.`,
      };
      turns++;
      continue;
    }
    if (edit.path !== viewed) {
      yield {
        tool: "str_replace_editor",
        arguments: { command: "view", path: abs(edit.path) },
        thought: `Now ${edit.path}.`,
      };
      turns++;
    }
    for (const hunk of edit.hunks) {
      yield {
        tool: "str_replace_editor",
        arguments: {
          command: "str_replace",
          path: abs(edit.path),
          old_str: hunk.oldText,
          new_str: hunk.newText,
        },
        thought: "Fix the faulty code.",
      };
      turns++;
    }
  }
  return turns;
}
