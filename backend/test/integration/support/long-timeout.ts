// Integration tests wait for real renders; a render under test limits ends well within this.
jest.setTimeout(180_000);
