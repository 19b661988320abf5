import assert from "node:assert/strict";
import { readErrorBody } from "../../src/dnb/error_body.ts";
import { clampMaxNotifications, replayTimestamp } from "../../src/dnb/notifications_api.ts";

Deno.test("the standard error envelope gives code, message and transaction id", () => {
  const body = JSON.stringify({
    transactionDetail: {
      transactionID: "rrt-097c",
      transactionTimestamp: "x",
      inLanguage: "en-US",
    },
    error: { errorMessage: "You are not currently authorised", errorCode: "00041" },
  });
  assert.deepEqual(readErrorBody(body), {
    errorCode: "00041",
    errorMessage: "You are not currently authorised",
    transactionID: "rrt-097c",
  });
});

Deno.test("the v3 OAuth error style gives the embedded code and transaction id", () => {
  const body = JSON.stringify({
    error: "invalid_request",
    error_description:
      "Request missing required element: 'grant_type'. ErrorCode: 05007. Transaction ID:  rrt-0c5f3f6b3060c885d-d-ea-19761-46826861-22",
  });
  assert.deepEqual(readErrorBody(body), {
    errorCode: "05007",
    errorMessage: "invalid_request: Request missing required element: 'grant_type'.",
    transactionID: "rrt-0c5f3f6b3060c885d-d-ea-19761-46826861-22",
  });
});

Deno.test("a body that is not JSON gives nulls", () => {
  assert.deepEqual(readErrorBody("Bad gateway"), {
    errorCode: null,
    errorMessage: null,
    transactionID: null,
  });
});

Deno.test("replay start timestamps are whole seconds in UTC", () => {
  assert.equal(replayTimestamp(Date.parse("2024-02-25T16:21:07.593Z")), "2024-02-25T16:21:07Z");
});

Deno.test("maxNotifications is clamped to 1–100", () => {
  assert.deepEqual(
    [0, 1, 50.7, 100, 1000, Number.NaN].map((value) => clampMaxNotifications(value)),
    [
      1,
      1,
      50,
      100,
      100,
      1,
    ],
  );
});
