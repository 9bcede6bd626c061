import { describe, expect, it } from "vitest";
import { parseFlatpakList } from "./software-flatpak.js";

// `flatpak list --app --columns=application,name,version,origin,installation` without a terminal: no header, TABs.
const OUTPUT = [
  "com.github.IsmaelMartinez.teams_for_linux\tTeams for Linux\t1.4.27\tflathub\tsystem",
  "org.libreoffice.LibreOffice\tLibreOffice\t24.2.4.2\tflathub\tsystem",
  "com.spotify.Client\tSpotify\t\tflathub\tuser",
  "org.example.NoName\t\t0.1\t\tsystem",
  "",
].join("\n");

describe("parseFlatpakList", () => {
  it("maps each application line, with the user installation as user scope", () => {
    expect(parseFlatpakList(OUTPUT)).toEqual([
      { name: "Teams for Linux", version: "1.4.27", publisher: "flathub", source: "flatpak", scope: "machine" },
      { name: "LibreOffice", version: "24.2.4.2", publisher: "flathub", source: "flatpak", scope: "machine" },
      { name: "Spotify", version: undefined, publisher: "flathub", source: "flatpak", scope: "user" },
      { name: "org.example.NoName", version: "0.1", publisher: undefined, source: "flatpak", scope: "machine" },
    ]);
  });

  it("returns nothing for empty output", () => {
    expect(parseFlatpakList("\n")).toEqual([]);
  });
});
