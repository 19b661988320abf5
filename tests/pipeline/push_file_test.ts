import assert from "node:assert/strict";
import {
  completeLine,
  lineDefaults,
  parsePushFileHeader,
  parsePushFileName,
  PushFileNameError,
  PushHeaderError,
} from "../../src/pipeline/push_file.ts";

const HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

Deno.test("a part's name: reference (underscores and all), UTC time, kind and part", () => {
  assert.deepEqual(parsePushFileName("PRD_MKTLNK_STP_20170208124948_SEEDFILE_1.zip"), {
    reference: "PRD_MKTLNK_STP",
    time: "2017-02-08T12:49:48.000Z",
    kind: "SEEDFILE",
    part: 1,
  });
  assert.deepEqual(
    parsePushFileName("/data/in/DITCompanyService_20191113000016_NOTIFICATION_12.zip"),
    {
      reference: "DITCompanyService",
      time: "2019-11-13T00:00:16.000Z",
      kind: "NOTIFICATION",
      part: 12,
    },
  );
  // A reference that itself looks like a stamp and a kind is still read from the right.
  assert.equal(
    parsePushFileName("A_20200101000000_SEEDFILE_2_20201202000712_NOTIFICATION_3.zip").reference,
    "A_20200101000000_SEEDFILE_2",
  );
});

Deno.test("names D&B would not give a notification part are refused with the reason", () => {
  const cases: [string, RegExp][] = [
    ["notes.zip", /the name does not match/],
    ["REF_20201130162815_SEEDFILE_HEADER.json", /header file, not a part/],
    ["REF_20201202080605_Exceptions_1.zip", /Exceptions files carry no notifications/],
    ["REF_20201202000712_NOTIFICATION_1.txt", /expected the \.zip that D&B delivered, not \.txt/],
    ["REF_20170230124948_SEEDFILE_1.zip", /20170230124948 is no UTC time/],
    ["REF_20171301000000_SEEDFILE_1.zip", /20171301000000 is no UTC time/],
    ["REF_20170208246000_SEEDFILE_1.zip", /is no UTC time/],
    ["_20170208124948_SEEDFILE_1.zip", /the name does not match/],
    ["REF_2017020812494_SEEDFILE_1.zip", /the name does not match/],
    ["REF_20170208124948_SEEDFILE_99999999999999999999.zip", /part number .* out of range/],
  ];
  for (const [name, reason] of cases) {
    assert.throws(() => parsePushFileName(`in/${name}`), (error: unknown) => {
      assert.ok(error instanceof PushFileNameError, name);
      assert.equal(error.code, "PUSH_FILE_NAME");
      assert.equal(error.fileName, `in/${name}`);
      assert.match(error.message, reason, name);
      assert.ok(error.message.startsWith(`"in/${name}": `), "where");
      assert.match(error.message, /under the name D&B gave it/, "what to do");
      return true;
    });
  }
});

Deno.test("a header: the members the service uses, hashes in lower case", () => {
  const text = JSON.stringify({
    fileHeader: {
      headerType: "SEEDFILE",
      fileId: "rrt-0c1d",
      inLanguage: "en-US",
      reference: "PRD_MKTLNK_STP",
      productId: "aasmcu",
      versionId: "v1",
      totalRecordCount: 92456097,
      fileTimeStamp: "2017-01-05T09:59:46.988Z",
      files: [
        { name: "PRD_MKTLNK_STP_20170208124948_SEEDFILE_1.zip", hash: HASH.toUpperCase() },
        { name: "PRD_MKTLNK_STP_20170208124948_SEEDFILE_2.zip", hash: HASH },
      ],
    },
  });
  assert.deepEqual(parsePushFileHeader(text, { source: "h.json" }), {
    headerType: "SEEDFILE",
    reference: "PRD_MKTLNK_STP",
    fileId: "rrt-0c1d",
    totalRecordCount: 92456097,
    fileTimeStamp: "2017-01-05T09:59:46.988Z",
    files: [
      { name: "PRD_MKTLNK_STP_20170208124948_SEEDFILE_1.zip", hash: HASH },
      { name: "PRD_MKTLNK_STP_20170208124948_SEEDFILE_2.zip", hash: HASH },
    ],
  });
  const minimal = parsePushFileHeader(
    '{"fileHeader":{"headerType":"NOTIFICATION","reference":"R","files":[]}}',
    { source: "h.json" },
  );
  assert.equal(minimal.fileId, null);
  assert.equal(minimal.totalRecordCount, null);
});

Deno.test("a header that is not D&B's lists every problem, names the file and says what to do", () => {
  const refused = (text: string): PushHeaderError => {
    try {
      parsePushFileHeader(text, { source: "in/X_HEADER.json" });
    } catch (error) {
      assert.ok(error instanceof PushHeaderError);
      assert.equal(error.code, "PUSH_HEADER");
      assert.ok(error.message.startsWith('"in/X_HEADER.json": '));
      assert.match(error.message, /or leave it out to import its parts without a hash check/);
      return error;
    }
    assert.fail(`accepted ${text}`);
  };
  assert.match(refused("{").message, /not JSON/);
  assert.match(refused("[]").message, /fileHeader: expected an object, got nothing/);
  const error = refused(JSON.stringify({
    fileHeader: {
      headerType: "",
      totalRecordCount: -1,
      files: [{ name: "a.zip", hash: "abc" }, "b.zip", { hash: HASH }],
    },
  }));
  assert.deepEqual(error.problems, [
    'fileHeader.headerType: expected a non-empty string, got ""',
    "fileHeader.reference: expected a non-empty string, got nothing",
    "fileHeader.totalRecordCount: expected a count, got number -1",
    'fileHeader.files[0].hash: expected a SHA-256 in 64 hex digits, got "abc"',
    'fileHeader.files[1]: expected an object, got "b.zip"',
    "fileHeader.files[2].name: expected a file name, got nothing",
  ]);
  assert.match(
    refused('{"fileHeader":{"headerType":"SEEDFILE","reference":"R","files":{}}}').message,
    /fileHeader\.files: expected an array, got an object/,
  );
});

const SEED = lineDefaults(parsePushFileName("R_20170208124948_SEEDFILE_1.zip"));
const NOTIFICATION = lineDefaults(parsePushFileName("R_20201202000712_NOTIFICATION_1.zip"));

Deno.test("line defaults: SEED and the file's time for a seed file, only the time otherwise", () => {
  assert.deepEqual(SEED, { type: "SEED", deliveryTimeStamp: "2017-02-08T12:49:48.000Z" });
  assert.deepEqual(NOTIFICATION, { deliveryTimeStamp: "2020-12-02T00:07:12.000Z" });
});

Deno.test("completeLine splices the missing members in first and keeps every byte of the line", () => {
  const line = '{"organization":{"duns":"081466849","financials":[{"yearlyRevenue":' +
    '[{"value":3.0251016094E8}]}],"novel":{"x":1.50}} ,  "elements" : [ ]}';
  assert.equal(
    completeLine(line, SEED),
    '{"type":"SEED","deliveryTimeStamp":"2017-02-08T12:49:48.000Z",' + line.slice(1),
  );
  // Leading white space stays where it was.
  assert.equal(
    completeLine(' \t{"organization":{"duns":"081466849"}}', NOTIFICATION),
    ' \t{"deliveryTimeStamp":"2020-12-02T00:07:12.000Z","organization":{"duns":"081466849"}}',
  );
  assert.equal(
    completeLine("{ }", SEED),
    '{"type":"SEED","deliveryTimeStamp":"2017-02-08T12:49:48.000Z" }',
  );
});

Deno.test("completeLine adds only what is missing, and never a type to a notification file's line", () => {
  const typed = '{"type":"UPDATE","organization":{"duns":"081466849"},"elements":[]}';
  assert.equal(
    completeLine(typed, SEED),
    '{"deliveryTimeStamp":"2017-02-08T12:49:48.000Z",' + typed.slice(1),
  );
  const stamped =
    '{"organization":{"duns":"081466849"},"deliveryTimeStamp":"2020-01-01T00:00:00Z"}';
  assert.equal(completeLine(stamped, SEED), '{"type":"SEED",' + stamped.slice(1));
  assert.equal(
    completeLine('{"organization":{"duns":"081466849"}}', NOTIFICATION),
    '{"deliveryTimeStamp":"2020-12-02T00:07:12.000Z","organization":{"duns":"081466849"}}',
  );
  // Present counts, whatever the value: validation judges a null type, not the importer.
  const nullType = '{"type":null,"deliveryTimeStamp":"x"}';
  assert.equal(completeLine(nullType, SEED), nullType);
});

Deno.test("completeLine returns a line that is no JSON object unchanged", () => {
  for (
    const line of [
      "not json",
      '{"type":"SEED"',
      "[1,2]",
      '"text"',
      "42",
      "null",
      '{"a":1} trailing',
      '{"a":1}{"b":2}',
    ]
  ) {
    assert.equal(completeLine(line, SEED), line);
  }
});
