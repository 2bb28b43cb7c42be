"""The lab's exercises, one file each (see ``pynn.lab.exercise`` and docs/LAB.md)."""
