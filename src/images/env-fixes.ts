/**
 * Extra pip requirements some repositories' environments need today that the swebench specs do
 * not list. The harness's specs leave many packages unpinned, so they resolve to today's releases
 * on the package index, not the ones of the instance's date; and some test suites fetch data over
 * the network at run time, which evals with `--network none` cannot. Each entry says why; each is
 * part of the environment layer's recipe hash, so changing one rebuilds exactly those layers.
 */
export interface EnvFix {
  /** pip requirement specifiers installed after the specs' own packages. */
  pip: string[];
  why: string;
}

export const ENV_FIXES: Readonly<Record<string, EnvFix>> = {
  "pydicom/pydicom": {
    pip: ["pytest<8", "pydicom-data"],
    why:
      "the specs install an unpinned pytest, and pydicom's tests break on pytest 8's changed " +
      "collection; its tests download their data files at run time, which the pydicom-data " +
      "package provides offline",
  },
};

/** The fix for a repository (owner/name), or none. */
export function envFixFor(repo: string): EnvFix | undefined {
  return ENV_FIXES[repo];
}
