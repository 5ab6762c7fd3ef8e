//! [`PhotoWorker`]: the card-making photo pipeline on a thread of its own (its face
//! detector cannot move between threads); the session actor hands it a camera frame and
//! waits for the card photo or the reason it was refused.

/// The photo pipeline on its own thread (its face detector cannot move between threads).
pub struct PhotoWorker {
    tx: std::sync::mpsc::Sender<PhotoJob>,
}

type PhotoJob = (
    image::RgbImage,
    std::sync::mpsc::Sender<Result<card_io::photo::CardPhoto, card_io::photo::PhotoError>>,
);

impl PhotoWorker {
    /// Starts the worker; fails when the face model cannot be loaded.
    pub fn start(
        settings: card_io::photo::PhotoSettings,
    ) -> Result<PhotoWorker, card_io::photo::PhotoError> {
        let (tx, rx) = std::sync::mpsc::channel::<PhotoJob>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut pipeline = match card_io::photo::Pipeline::new(settings) {
                Ok(p) => {
                    let _ = ready_tx.send(Ok(()));
                    p
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            for (frame, reply) in rx {
                let _ = reply.send(pipeline.make(&frame));
            }
        });
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(PhotoWorker { tx }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(card_io::photo::PhotoError::Model(std::io::Error::other(
                "the photo worker stopped",
            ))),
        }
    }

    /// Runs the pipeline on one frame.
    pub fn make(
        &self,
        frame: image::RgbImage,
    ) -> Result<card_io::photo::CardPhoto, card_io::photo::PhotoError> {
        let gone =
            || card_io::photo::PhotoError::Model(std::io::Error::other("the photo worker stopped"));
        let (reply, answer) = std::sync::mpsc::channel();
        self.tx.send((frame, reply)).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}
