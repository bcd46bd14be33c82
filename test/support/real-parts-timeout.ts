// Specs that start Vigil, databases, OpenEMR copies or Chromium: jest's 5 s
// default for a hook is shorter than a start on a loaded CI machine, and a
// timed-out beforeAll fails every test after it. A spec may still set its own.
jest.setTimeout(60_000);
