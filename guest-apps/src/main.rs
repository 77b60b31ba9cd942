//! The guest image: the kernel plus every app; the run config picks the app.
#![no_std]
#![no_main]

kernel::entry!(guest_apps::main);
