/** A Deno KV file of its own in a temp folder, closed and removed afterwards. */
export async function withKv(work: (kv: Deno.Kv, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "traceone-kv-" });
  const kv = await Deno.openKv(`${dir}/state.kv`);
  try {
    await work(kv, dir);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}
