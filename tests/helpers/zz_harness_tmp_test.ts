import { startPostgres } from "./postgres.ts";
Deno.test("uncaught", async () => {
  const pg = await startPostgres();
  console.log("DIR", pg.dir);
  setTimeout(() => { throw new Error("boom"); }, 10);
  await new Promise((r) => setTimeout(r, 500));
  await pg.destroy();
});
