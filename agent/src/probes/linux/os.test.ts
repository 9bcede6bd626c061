import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBootTime, parseOsRelease } from "./os.js";

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/linux/${path}`, import.meta.url), "utf8");

describe("parseOsRelease on real files", () => {
  it("Ubuntu 22.04 (teleport sample): PRETTY_NAME first, unquoted ID and codename", () => {
    const release = parseOsRelease(fixture("ubuntu-22.04-laptop/fs/etc/os-release"));
    expect(release).toMatchObject({ PRETTY_NAME: "Ubuntu 22.04.1 LTS", NAME: "Ubuntu", VERSION_ID: "22.04", VERSION_CODENAME: "jammy", ID: "ubuntu", ID_LIKE: "debian" });
    expect(release.VERSION).toBe("22.04.1 LTS (Jammy Jellyfish)");
  });

  it("RHEL 8.10 and 8.6 (which-distro): quoted ID, a blank line, an unquoted REDHAT_BUGZILLA_PRODUCT_VERSION", () => {
    expect(parseOsRelease(fixture("rhel-8.10-server/fs/etc/os-release"))).toMatchObject({
      NAME: "Red Hat Enterprise Linux", ID: "rhel", ID_LIKE: "fedora", VERSION_ID: "8.10", PLATFORM_ID: "platform:el8",
      PRETTY_NAME: "Red Hat Enterprise Linux 8.10 (Ootpa)", REDHAT_BUGZILLA_PRODUCT_VERSION: "8.10", REDHAT_SUPPORT_PRODUCT_VERSION: "8.10",
    });
    expect(parseOsRelease(fixture("os-release/rhel8.6-whichdistro.txt"))).toMatchObject({ VERSION_ID: "8.6", BUG_REPORT_URL: "https://bugzilla.redhat.com/" });
  });

  it("Ubuntu 18.04 and 20.04 (ansible, which-distro, syft): point releases only in VERSION and PRETTY_NAME", () => {
    expect(parseOsRelease(fixture("os-release/ubuntu18.04-ansible.txt"))).toMatchObject({ PRETTY_NAME: "Ubuntu 18.04.3 LTS", VERSION_ID: "18.04", UBUNTU_CODENAME: "bionic" });
    expect(parseOsRelease(fixture("os-release/ubuntu18.04-whichdistro.txt")).PRETTY_NAME).toBe("Ubuntu 18.04.6 LTS");
    expect(parseOsRelease(fixture("os-release/ubuntu20.04-syft.txt"))).toMatchObject({ PRETTY_NAME: "Ubuntu 20.04 LTS", VERSION_ID: "20.04", VERSION_CODENAME: "focal" });
  });

  it("Debian 10 and 11 (python-distro, glpi): unquoted VERSION_CODENAME and ID", () => {
    expect(parseOsRelease(fixture("os-release/debian10-pydistro.txt"))).toMatchObject({ PRETTY_NAME: "Debian GNU/Linux 10 (buster)", ID: "debian", VERSION_ID: "10", VERSION_CODENAME: "buster" });
    expect(parseOsRelease(fixture("os-release/debian11.2-glpi.txt"))).toMatchObject({ VERSION_ID: "11", VERSION_CODENAME: "bullseye" });
  });

  it("CentOS 7 (python-distro, glpi): ID_LIKE with two words, trailing blank lines", () => {
    for (const file of ["os-release/centos7-pydistro.txt", "os-release/centos7.9-glpi.txt"]) {
      const release = parseOsRelease(fixture(file));
      expect(release).toMatchObject({ NAME: "CentOS Linux", ID: "centos", ID_LIKE: "rhel fedora", VERSION_ID: "7", CENTOS_MANTISBT_PROJECT: "CentOS-7" });
      expect(Object.keys(release)).toHaveLength(14);
    }
  });
});

describe("parseOsRelease syntax", () => {
  it("unescapes double-quoted values, keeps single-quoted ones literal, skips comments and junk", () => {
    const text = '# comment\nNAME="Acme \\"Pro\\" \\$HOME"\nPRETTY_NAME=\'It\\\'s\'\nnot a line\nVARIANT=Server Edition\r\nEMPTY=""\n';
    expect(parseOsRelease(text)).toEqual({ NAME: 'Acme "Pro" $HOME', PRETTY_NAME: "It\\'s", VARIANT: "Server Edition", EMPTY: "" });
  });
});

describe("parseBootTime", () => {
  it("reads btime from /proc/stat", () => {
    expect(parseBootTime(fixture("ubuntu-22.04-laptop/fs/proc/stat"))).toBe("2024-06-03T06:35:12.000Z");
    expect(parseBootTime("cpu  1 2 3\nintr 0\n")).toBeUndefined();
  });
});
