// Network adapters from sysfs (/sys/class/net): name, MAC, and whether a device backs it.
import type { Nic } from "../../../../schemas/inventory.v1.js";
import type { Probe } from "../../probe.js";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const linuxNetworkProbe: Probe = {
  id: "linux.network",
  platform: "linux",
  async run({ host }) {
    const names = (await host.listDir("/sys/class/net")).filter((name) => name !== "lo");
    const nics = await Promise.all(
      names.map(async (name): Promise<Nic> => {
        const [address, entries] = await Promise.all([host.readFile(`/sys/class/net/${name}/address`), host.listDir(`/sys/class/net/${name}`)]);
        const mac = address?.trim().toLowerCase();
        // Physical adapters have a `device` link to their bus device; bridges, veth, tun and bonds do not.
        return { name, mac: mac && MAC.test(mac) && mac !== "00:00:00:00:00:00" ? mac : undefined, virtual: !entries.includes("device") };
      }),
    );
    return { nics };
  },
};
