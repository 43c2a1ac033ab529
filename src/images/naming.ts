/**
 * Instance image names as the SWE-bench harness spells them, so images sealign builds are found by
 * the official harness and images the harness (or SWE-Gym) publishes are found by sealign.
 */

/** The namespace SWE-bench publishes its instance images under. */
export const SWEBENCH_NAMESPACE = "swebench";

/**
 * `<namespace>/sweb.eval.x86_64.<instance id, lower case>:latest` with every `__` written
 * `_1776_`, exactly as `TestSpec.instance_image_key` does for a remote namespace (the harness
 * replaces over the whole name, namespace included).
 */
export function instanceImageName(
  instanceId: string,
  options: { namespace?: string; tag?: string; arch?: string } = {},
): string {
  const namespace = options.namespace ?? SWEBENCH_NAMESPACE;
  const key = `sweb.eval.${options.arch ?? "x86_64"}.${instanceId.toLowerCase()}:${options.tag ?? "latest"}`;
  return `${namespace}/${key}`.replaceAll("__", "_1776_");
}

/** SWE-Gym's published name: `xingyaoww/sweb.eval.x86_64.<id with "__" -> "_s_">`. */
export function swegymImageName(instanceId: string): string {
  return `xingyaoww/sweb.eval.x86_64.${instanceId.toLowerCase().replaceAll("__", "_s_")}:latest`;
}
