import assert from "node:assert/strict";
import { Hono } from "hono";
import { Secret } from "../../src/model/secret.ts";
import { presentedToken, requireToken } from "../../src/http/auth.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";

function guarded(): Hono {
  const app = new Hono();
  app.use(requireToken(new Secret(TOKEN), { realm: "test" }));
  app.get("/", (c) => c.text("in"));
  return app;
}

Deno.test("exactly `Bearer <token>` or Basic `user:<token>` passes", async () => {
  const app = guarded();
  for (
    const header of [
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
      `BEARER ${TOKEN}`,
      `Basic ${btoa(`ops:${TOKEN}`)}`,
      `basic ${btoa(`:${TOKEN}`)}`,
    ]
  ) {
    assert.equal(
      (await app.request("/", { headers: { authorization: header } })).status,
      200,
      header,
    );
  }
});

Deno.test("extra words, extra spaces, tabs, a second value or a bad Basic are refused with 401", async () => {
  const app = guarded();
  for (
    const header of [
      `Bearer ${TOKEN} extra`,
      `Bearer  ${TOKEN}`,
      `Bearer\t${TOKEN}`,
      `Bearer ${TOKEN}\textra`,
      `Bearer ${TOKEN}, Bearer ${TOKEN}`,
      `Bearer ${TOKEN},${TOKEN}`,
      `Token ${TOKEN}`,
      `Bearer`,
      `${TOKEN}`,
      `Basic ${btoa(TOKEN)}`, // no colon: not user:password
      `Basic ${btoa(`ops:${TOKEN}`)} extra`,
      `Basic  ${btoa(`ops:${TOKEN}`)}`,
      `Basic ${btoa(`ops:${TOKEN}`)}, Bearer ${TOKEN}`,
      "Basic !!!!",
    ]
  ) {
    const response = await app.request("/", { headers: { authorization: header } });
    assert.equal(response.status, 401, JSON.stringify(header));
    assert.doesNotMatch(await response.text(), new RegExp(TOKEN));
  }
});

Deno.test("presentedToken: the parser alone", () => {
  assert.equal(presentedToken(undefined), null);
  assert.equal(presentedToken(`Bearer ${TOKEN}`), TOKEN);
  assert.equal(presentedToken(`Basic ${btoa("u:pa:ss")}`), "pa:ss", "only the first colon splits");
  assert.equal(presentedToken(`Bearer a b`), null);
  const utf8 = btoa(String.fromCharCode(...new TextEncoder().encode("u:pässwörd")));
  assert.equal(presentedToken(`Basic ${utf8}`), "pässwörd", "Basic credentials are UTF-8");
});
