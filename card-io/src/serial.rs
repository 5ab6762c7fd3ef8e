//! Opening the serial peripherals' ports (ID module, QR scanner, printer): all speak 8N1
//! without flow control, at their own baud rate.

use std::time::Duration;

/// Opens `path` at `baud`, 8 data bits, no parity, 1 stop bit, no flow control; reads
/// time out after `timeout`.
pub fn open_8n1(
    path: &str,
    baud: u32,
    timeout: Duration,
) -> Result<Box<dyn serialport::SerialPort>, serialport::Error> {
    serialport::new(path, baud)
        .data_bits(serialport::DataBits::Eight)
        .parity(serialport::Parity::None)
        .stop_bits(serialport::StopBits::One)
        .flow_control(serialport::FlowControl::None)
        .timeout(timeout)
        .open()
}
